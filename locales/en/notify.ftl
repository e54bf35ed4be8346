# Messages sent by e-mail and SMS (adapters/notify). Every id starts with `notify-`, so none
# clashes with the API's messages (main.ftl), which the same loader reads.
# Placeables: $space (the space's name), $name (the recipient), $minutes, $date, $code.

notify-greeting = Hello,
notify-greeting-name = Hello { $name },
notify-closing = Best regards,
notify-ignore = If you did not ask for this, you can ignore this message.
notify-code-expiry = { $minutes ->
    [one] The code is available for { $minutes } minute.
   *[other] The code is available for { $minutes } minutes.
}
notify-link-expiry = { $minutes ->
    [one] The link is valid for { $minutes } minute and can be used once.
   *[other] The link is valid for { $minutes } minutes and can be used once.
}
notify-link-single-use = The link can be used once.

notify-email-change-subject = { $space }: confirm your new e-mail address
notify-email-change-body = You asked to use this e-mail address for your { $space } account. Enter this code to confirm it:
notify-phone-change-subject = { $space }: confirm your new phone number
notify-phone-change-body = You asked to use a new phone number for your { $space } account. Enter this code to confirm it:
notify-registration-subject = { $space }: confirm your registration
notify-registration-body = Welcome to { $space }! Enter this code to activate your account:
notify-recovery-subject = { $space }: your account recovery code
notify-recovery-body = You asked to recover your { $space } account. Enter this code to continue:

notify-provisioning-subject = { $space }: set up your account
notify-provisioning-body = To connect your { $space } account to the application, open the following link:
notify-provisioning-button = Log in to my account
notify-provisioning-qr = You can also configure your device by scanning this QR code with the mobile app, or by pasting the link into the desktop application.

notify-reset-password-subject = { $space }: reset your password
notify-reset-password-body = To choose a new password for your { $space } account, open the following link:
notify-reset-password-button = Choose a new password

notify-space-expiring-subject = Your space { $space } expires on { $date }
notify-space-expiring-body = You are one of the administrators of the { $space } space. This space will expire on { $date }, the expiration date of your subscription.
notify-space-expiring-advice = To keep your services running (SIP calls, user accounts, configuration), renew or update your subscription before that date. If you have any question, contact our support team.

notify-sms-code = { $minutes ->
    [one] Your { $space } validation code is { $code }. The code is available for { $minutes } minute.
   *[other] Your { $space } validation code is { $code }. The code is available for { $minutes } minutes.
}
notify-sms-code-no-expiry = Your { $space } validation code is { $code }.
notify-sms-provisioning = Set up your { $space } account: { $link }
notify-sms-reset-password = Choose a new password for your { $space } account: { $link }
notify-sms-space-expiring = Your space { $space } expires on { $date }.
notify-voicemail-subject = New voicemail from { $from }
notify-voicemail-body = { $from } left you a voicemail on { $date }.
notify-voicemail-advice = The recording is attached to this message.
