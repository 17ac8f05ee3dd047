"""The Cognito user-pool triggers (LAMBDA.md §8.1): each trigger's request and response
Structs, the trigger names ``app.cognito`` takes, and which response Structs each trigger
reads. :mod:`lambent.sources.cognito` re-exports them; the source is there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

# ---------------------------------------------------------------- shared parts


class ChallengeResult(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """One step of a custom authentication flow (``request.session``)."""

    challenge_name: str | None = None
    challenge_result: bool | None = None
    challenge_metadata: str | None = None


class GroupConfiguration(msgspec.Struct, rename="camel", frozen=True, gc=False, omit_defaults=True):
    groups_to_override: list[str] | None = None
    iam_roles_to_override: list[str] | None = None
    preferred_role: str | None = None


class _Request(msgspec.Struct, rename="camel", frozen=True, gc=False):
    user_attributes: dict[str, Any] = {}
    client_metadata: dict[str, str] | None = None


class _Response(msgspec.Struct, rename="camel", frozen=True, gc=False, omit_defaults=True):
    """Response fields left ``None`` are not sent (the event's own value stays)."""


# ---------------------------------------------------------------- per trigger


class PreSignUpRequest(_Request, frozen=True, gc=False):
    validation_data: dict[str, str] | None = None


class PreSignUpResponse(_Response, frozen=True, gc=False):
    auto_confirm_user: bool | None = None
    auto_verify_phone: bool | None = None
    auto_verify_email: bool | None = None


class PostConfirmationRequest(_Request, frozen=True, gc=False):
    """Post confirmation: no response fields (an error fails the confirmation)."""


class PreAuthenticationRequest(_Request, frozen=True, gc=False):
    """Pre authentication: no response fields (an error rejects the sign-in)."""

    validation_data: dict[str, str] | None = None
    user_not_found: bool | None = None


class PostAuthenticationRequest(_Request, frozen=True, gc=False):
    new_device_used: bool | None = None


class DefineAuthChallengeRequest(_Request, frozen=True, gc=False):
    session: list[ChallengeResult] = []
    user_not_found: bool | None = None


class DefineAuthChallengeResponse(_Response, frozen=True, gc=False):
    challenge_name: str | None = None
    issue_tokens: bool | None = None
    fail_authentication: bool | None = None


class CreateAuthChallengeRequest(_Request, frozen=True, gc=False):
    challenge_name: str | None = None
    session: list[ChallengeResult] = []
    user_not_found: bool | None = None


class CreateAuthChallengeResponse(_Response, frozen=True, gc=False):
    public_challenge_parameters: dict[str, str] | None = None
    private_challenge_parameters: dict[str, str] | None = None
    challenge_metadata: str | None = None


class VerifyAuthChallengeRequest(_Request, frozen=True, gc=False):
    private_challenge_parameters: dict[str, str] = {}
    challenge_answer: Any = None
    user_not_found: bool | None = None


class VerifyAuthChallengeResponse(_Response, frozen=True, gc=False):
    answer_correct: bool | None = None


class PreTokenGenerationRequest(_Request, frozen=True, gc=False):
    """Pre token generation V1_0 (``TokenGeneration_*``, event ``version`` "1")."""

    group_configuration: GroupConfiguration = GroupConfiguration()


class ClaimsOverrideDetails(_Response, frozen=True, gc=False):
    claims_to_add_or_override: dict[str, Any] | None = None
    claims_to_suppress: list[str] | None = None
    group_override_details: GroupConfiguration | None = None


class PreTokenGenerationResponse(_Response, frozen=True, gc=False):
    claims_override_details: ClaimsOverrideDetails | None = None


class PreTokenGenerationV2Request(PreTokenGenerationRequest, frozen=True, gc=False):
    """Pre token generation V2_0 and V3_0 (V3_0 adds machine-to-machine grants, which
    have no user: ``user_attributes`` is then empty)."""

    scopes: list[str] = []


class TokenGeneration(_Response, frozen=True, gc=False):
    claims_to_add_or_override: dict[str, Any] | None = None
    claims_to_suppress: list[str] | None = None


class AccessTokenGeneration(TokenGeneration, frozen=True, gc=False):
    scopes_to_add: list[str] | None = None
    scopes_to_suppress: list[str] | None = None


class ClaimsAndScopeOverrideDetails(_Response, frozen=True, gc=False):
    id_token_generation: TokenGeneration | None = None
    access_token_generation: AccessTokenGeneration | None = None
    group_override_details: GroupConfiguration | None = None


class PreTokenGenerationV2Response(_Response, frozen=True, gc=False):
    claims_and_scope_override_details: ClaimsAndScopeOverrideDetails | None = None


class UserMigrationRequest(_Request, frozen=True, gc=False):
    password: str | None = None
    validation_data: dict[str, str] | None = None


class UserMigrationResponse(_Response, frozen=True, gc=False):
    user_attributes: dict[str, str] | None = None
    final_user_status: str | None = None
    message_action: str | None = None
    desired_delivery_mediums: list[str] | None = None
    force_alias_creation: bool | None = None
    enable_sms_mfa: bool | None = msgspec.field(default=None, name="enableSMSMFA")


class CustomMessageRequest(_Request, frozen=True, gc=False):
    code_parameter: str | None = None
    username_parameter: str | None = None
    link_parameter: str | None = None


class CustomMessageResponse(_Response, frozen=True, gc=False):
    sms_message: str | None = None
    email_message: str | None = None
    email_subject: str | None = None


class CustomSenderRequest(_Request, frozen=True, gc=False):
    """Custom email / SMS sender (asynchronous; nothing is read back). ``code`` is
    encrypted with the pool's KMS key (AWS Encryption SDK)."""

    type: str | None = None
    code: str | None = None


class InboundFederationRequest(msgspec.Struct, rename="camel", frozen=True, gc=False):
    provider_name: str | None = None
    provider_type: str | None = None
    #: ``tokenResponse``/``idToken``/``userInfo`` (OIDC), ``samlResponse`` (SAML)
    attributes: dict[str, Any] = {}


class InboundFederationResponse(_Response, frozen=True, gc=False):
    user_attributes_to_map: dict[str, str] | None = None


#: trigger names ``app.cognito`` accepts -> the ``triggerSource`` prefix they stand for
TRIGGERS: Mapping[str, str] = {
    "PreSignUp": "PreSignUp_",
    "PostConfirmation": "PostConfirmation_",
    "PreAuthentication": "PreAuthentication_",
    "PostAuthentication": "PostAuthentication_",
    "DefineAuthChallenge": "DefineAuthChallenge_",
    "CreateAuthChallenge": "CreateAuthChallenge_",
    "VerifyAuthChallengeResponse": "VerifyAuthChallengeResponse_",
    "PreTokenGeneration": "TokenGeneration_",
    "TokenGeneration": "TokenGeneration_",
    "UserMigration": "UserMigration_",
    "CustomMessage": "CustomMessage_",
    "CustomEmailSender": "CustomEmailSender_",
    "CustomSMSSender": "CustomSMSSender_",
    "InboundFederation": "InboundFederation_",
}


#: the ``triggerSource`` prefixes of the triggers lambent knows
_PREFIXES = frozenset(TRIGGERS.values())

#: ``triggerSource`` prefix -> the response Structs that trigger reads; a trigger that
#: reads no response fields (post confirmation, pre and post authentication, the custom
#: senders) has none
RESPONSES: Mapping[str, tuple[type[msgspec.Struct], ...]] = {
    "PreSignUp_": (PreSignUpResponse,),
    "DefineAuthChallenge_": (DefineAuthChallengeResponse,),
    "CreateAuthChallenge_": (CreateAuthChallengeResponse,),
    "VerifyAuthChallengeResponse_": (VerifyAuthChallengeResponse,),
    # the event's version tells V1 from V2/V3; placeholder-laden fixtures blur it
    "TokenGeneration_": (PreTokenGenerationResponse, PreTokenGenerationV2Response),
    "UserMigration_": (UserMigrationResponse,),
    "CustomMessage_": (CustomMessageResponse,),
    "InboundFederation_": (InboundFederationResponse,),
}
