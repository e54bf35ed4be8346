# flexiapi messages, English (the fallback language).
# Every id here must exist in every other language, with the same placeables.

## Glossary: field names as readers know them. A field without an entry keeps its JSON name.
field-username = username
field-password = password
field-old-password = old password
field-phone = phone
field-name = name
field-email = email
field-domain = domain
field-host = host
field-algorithm = algorithm
field-display-name = display name
field-expire-at = expiry date
field-max-accounts = maximum number of accounts
field-max-account = maximum number of accounts shown in the app
field-theme-hue = theme hue
field-custom-provisioning-entries = custom provisioning entries
field-super = super space flag
field-oidc-authentication-configuration = JWT configuration
field-oidc-authentication-configuration-public-key = JWT public key
field-oidc-authentication-configuration-algorithms = JWT algorithms
field-digest-authentication-configuration = Digest configuration
field-digest-authentication-configuration-default-password-algorithm = default password algorithm
field-account-creation-token = account_creation_token
field-token = token
field-title = title
field-description = description

## Generic HTTP
not-found = Not found.
method-not-allowed = Method not allowed.
host-not-configured = No space is served on the host { $host }: a super admin adds one with `flexiapi spaces create --domain DOMAIN --host { $host }` (or POST /api/spaces).
host-missing = The request has no Host header: no space to serve.
invalid-json = Invalid JSON: the request body could not be parsed.
unsupported-media-type = Unsupported content type: send the body as `Content-Type: application/json`.
payload-too-large = The request body is too large.
bad-request = Bad request.
internal-error = Server error.
service-unavailable = The service is temporarily unavailable, please retry.

## Authentication
from-required = The From header is required and must hold your SIP address (sip:user@domain).
from-invalid = Invalid SIP address in the From header.
unauthenticated = Unauthenticated request.
digest-malformed = Malformed Digest Authorization header.
invalid-opaque = Invalid opaque.
nonce-replayed = Nonce replayed.
wrong-algorithm = Wrong algorithm.
invalid-credentials = Unauthorized.
stale-nonce = Stale nonce, please retry with the new challenge.
invalid-api-key = Invalid API Key.
too-many-failures = Too many failed authentication attempts. Try again in { $seconds } seconds.
api-key-required = An API key is required (x-api-key header).
jwt-malformed = Invalid bearer token.
jwt-unsupported-algorithm = Unsupported JWT signature algorithm.
jwt-invalid-signature = Invalid JWT token signature.
jwt-expired = Expired JWT token.
jwt-not-yet-valid = The JWT token is not valid yet.
jwt-invalid-issuer = Invalid JWT token issuer.
jwt-invalid-audience = Invalid JWT token audience.
jwt-missing-expiry = The JWT token has no expiry.
jwt-unusable-key = The configured public key cannot verify this token.
jwt-invalid-sip-identity = Invalid SIP address in the JWT token.
jwt-not-configured = Bearer tokens are not accepted on this space.
jwt-required = This space only accepts JWT bearer tokens.
jwt-unknown-account = The JWT token is not related to someone in the system.

## Access
account-blocked = Account blocked.
space-expired = The related Space has expired.
unauthorized-area = Unauthorized area.
not-super-admin = Only super administrators can do this.
foreign-space = This account belongs to another space.
csrf-json-required = Requests authenticated by cookie must send a JSON body (Content-Type: application/json).
space-full = The space has reached its maximum number of accounts.
space-not-found = Space not found.
sip-address-not-found = SIP address not found.
email-not-found = Email address not found.
type-already-attached = This type is already attached to the account.
type-not-attached = This type is not attached to the account.
dtmf-protocol-required = DTMF Protocol must be configured.
account-not-found = Account not found.
contacts-list-not-found = Contacts list not found.
contact-not-found = This account is not a contact.
not-in-contacts-list = This account is not in the contacts list.
contacts-list-already-attached = This contacts list is already attached to the account.
contacts-list-not-attached = This contacts list is not attached to the account.

## Devices and provisioning
device-not-found = Device not found.
registrar-unavailable = The device registry is temporarily unavailable, please retry.
provisioning-token-not-found = This provisioning link is unknown or has already been used.
provisioning-token-expired = This provisioning link has expired.
provisioning-header-required = The x-linphone-provisioning header is missing.

## Validation
validation-failed = The given data was invalid.
validation-more-errors = { $message } (and { $count } more { $count ->
    [one] error
   *[other] errors
  })
validation-required = The { $attribute } field is required.
validation-missing = The { $attribute } field must be missing.
validation-email = The { $attribute } must be a valid email address.
validation-unique = The { $attribute } has already been taken.
validation-min-length = The { $attribute } must be at least { $min } characters.
validation-max-length = The { $attribute } may not be greater than { $max } characters.
validation-one-of = The selected { $attribute } is invalid (expected one of: { $values }).
validation-boolean = The { $attribute } field must be true or false.
validation-integer = The { $attribute } must be an integer.
validation-integer-between = The { $attribute } must be between { $min } and { $max }.
validation-integer-min = The { $attribute } must be at least { $min }.
validation-text = The { $attribute } must be a string.
validation-object = The { $attribute } must be an object.
validation-date = The { $attribute } is not a valid date.
validation-date-not-past = The { $attribute } must not be in the past.
validation-no-uppercase = The { $attribute } must not contain uppercase letters.
validation-not-phone-number = The { $attribute } should not be a phone number.
validation-sip-username = The { $attribute } should be a valid SIP username.
validation-sip-uri = The { $attribute } must be a valid SIP URI.
validation-domain = The { $attribute } should be a valid domain.
validation-phone = The { $attribute } field contains an invalid number.
validation-phone-country = The { $attribute } must belong to an authorized country.
validation-ini = The { $attribute } is not a valid INI document.
validation-jwt-config = The { $attribute } is not a valid JWT configuration.
validation-public-key = The { $attribute } is not a usable PEM public key for the listed algorithms.
validation-at-least-current-count = The { $attribute } cannot be lower than the current number of accounts.
validation-incorrect-old-password = The { $attribute } is incorrect.
validation-alpha-dash = The { $attribute } may only contain lower-case letters, digits, dashes and underscores.
validation-valid-token = Please provide a valid { $attribute }
validation-token-expired = The provided token is expired

# proxy
duplicate-host-header = The request has more than one Host header.
# budgets
too-many-requests = Too many requests from this address. Try again in { $seconds } seconds.
# state
account-deactivated = Account deactivated by an administrator: only an administrator can activate it again.
validation-forbidden-characters = The { $attribute } contains characters that cannot be provisioned (control characters, line breaks, U+FFFE or U+FFFF).
# types
validation-last-super-space = The last super space can be neither deleted nor made an ordinary space: at least one super space must remain.
# tokens
registration-closed = Public registration is closed on this space: ask an administrator for an invitation.
email-server-not-found = This space has no e-mail server of its own.
# e-mail and phone changes
account-unvalidated = Account unvalidated: it must first be confirmed with an account creation token.
change-code-not-found = There is no code to confirm: ask for one first.
code-expired = Expired code.
code-worn-out = Too many wrong codes: this code no longer works, ask for a new one.
no-email-address = No email configured.
no-email-transport = This server cannot send e-mail: no mail server is configured. Nothing was changed.
no-sms-transport = This server cannot send SMS: no SMS gateway is configured. Nothing was changed.
message-refused = The mail or SMS server refused the message. Nothing was changed.
message-server-unavailable = The mail or SMS server cannot be reached right now, please retry later. Nothing was changed.
validation-digits = The { $attribute } must be { $digits } digits.
validation-valid-code = The { $attribute } should be valid
validation-not-current = The { $attribute } is already the account's.
# TURN
turn-not-configured = No TURN service configured
# Linphone apps' tokens and pushes
validation-format = The { $attribute } format is invalid.
token-requested-too-recently = Last token requested too recently
token-not-sent = Token not sent
push-notification-not-sent = Push notification not sent
# call forwardings
validation-account-contact = The selected { $attribute } is not one of the account's contacts.
validation-forwarding-exclusive = An enabled "always" call forwarding cannot stand beside an enabled "no_answer" or "busy" one.
field-forward-to = forward_to
field-sip-uri = sip_uri
field-contact-id = contact_id
# external accounts
external-account-not-found = This account has no external account.
validation-different = The { $attribute } and { $other } must be different.
field-realm = realm
field-registrar = registrar
field-outbound-proxy = outbound proxy
field-protocol = protocol
# voicemails
voicemail-needs-email = The account has no email address attached to it.
voicemail-not-found = Voicemail not found.
validation-file-type = The { $attribute } must be a file of type: { $values }.
validation-max-kilobytes = The { $attribute } must not be greater than { $max } kilobytes.
field-sip-from = sip_from
field-content-type = content_type
field-file = file
upload-incomplete = The upload was cut short: nothing was stored.
# wizards and SIP messages
validation-exists = The selected { $attribute } is invalid.
validation-space-address = The { $attribute } must be an address of this space.
sip-messages-not-configured = Sending SIP messages is not configured.
sip-message-refused = The message was refused: { $reason }
sip-message-not-sent = The message could not be sent: the SIP service is unavailable.
field-to = to
field-body = body
field-linphone-action = linphone_action
field-provisioning-account-id = provisioning_account_id
validation-array = The { $attribute } field must be a list.
# client certificates (provisioning)
client-certificate-not-allowed = Not a valid authentication method
client-certificate-no-common-name = The client certificate does not contain a valid CN.
client-certificate-not-sip-address = The certificate CN is not a valid SIP address.
client-certificate-unknown-account = The certificate is not linked to any account in the system.
# vCards and CardDAV
validation-vcard = Invalid vcard passed: the { $attribute } must be one vCard with a UID.
validation-same-as-path = UUID should be the same: the UID of the { $attribute } must be the one in the path.
validation-url = The { $attribute } must be a valid URL.
validation-comma-separated-words = The { $attribute } must be words separated by commas, without spaces.
vcard-already-exists = Vcard already exists
vcard-not-found = Vcard not found.
carddav-server-not-found = CardDAV server not found.
carddav-credentials-disabled = CardDav Credentials features disabled
field-vcard = vcard
field-uri = uri
field-min-characters = min_characters
field-results-limit = results_limit
field-timeout = timeout
field-delay = delay
field-fields-for-user-input = fields_for_user_input
field-fields-for-domain = fields_for_domain
