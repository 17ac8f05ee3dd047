"""An order service on one Lambda function: HTTP, SQS FIFO, DynamoDB Streams, S3,
Firehose and a schedule, with in-memory storage for local runs (``make demo``).
"""
