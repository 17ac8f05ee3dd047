"""``lambent dev``: an app's HTTP routes on a real HTTP server on loopback.

:mod:`.front` turns an HTTP request into the event a source sends and the app's
result into the answer that source's front end gives; :mod:`.server` serves it with
aiohttp; :mod:`.reload` restarts the server when the app's files change (watchfiles).
"""
