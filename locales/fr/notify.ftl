# Messages envoyés par e-mail et SMS (adapters/notify). Chaque id commence par `notify-`, pour
# ne pas entrer en conflit avec les messages de l'API (main.ftl), lus par le même chargeur.

notify-greeting = Bonjour,
notify-greeting-name = Bonjour { $name },
notify-closing = Cordialement,
notify-ignore = Si vous n’êtes pas à l’origine de cette demande, vous pouvez ignorer ce message.
notify-code-expiry = { $minutes ->
    [one] Le code est valable { $minutes } minute.
   *[other] Le code est valable { $minutes } minutes.
}
notify-link-expiry = { $minutes ->
    [one] Le lien est valable { $minutes } minute et ne peut servir qu’une fois.
   *[other] Le lien est valable { $minutes } minutes et ne peut servir qu’une fois.
}
notify-link-single-use = Le lien ne peut servir qu’une fois.

notify-email-change-subject = { $space } : confirmez votre nouvelle adresse e-mail
notify-email-change-body = Vous avez demandé à utiliser cette adresse e-mail pour votre compte { $space }. Saisissez ce code pour la confirmer :
notify-phone-change-subject = { $space } : confirmez votre nouveau numéro de téléphone
notify-phone-change-body = Vous avez demandé à utiliser un nouveau numéro de téléphone pour votre compte { $space }. Saisissez ce code pour le confirmer :
notify-registration-subject = { $space } : confirmez votre inscription
notify-registration-body = Bienvenue sur { $space } ! Saisissez ce code pour activer votre compte :
notify-recovery-subject = { $space } : votre code de récupération de compte
notify-recovery-body = Vous avez demandé à récupérer votre compte { $space }. Saisissez ce code pour continuer :

notify-provisioning-subject = { $space } : configurez votre compte
notify-provisioning-body = Pour connecter votre compte { $space } à l’application, ouvrez le lien suivant :
notify-provisioning-button = Me connecter à mon compte
notify-provisioning-qr = Vous pouvez aussi configurer votre appareil en scannant ce QR code avec l’application mobile, ou en collant le lien dans l’application de bureau.

notify-reset-password-subject = { $space } : réinitialisez votre mot de passe
notify-reset-password-body = Pour choisir un nouveau mot de passe pour votre compte { $space }, ouvrez le lien suivant :
notify-reset-password-button = Choisir un nouveau mot de passe

notify-space-expiring-subject = Votre espace { $space } expire le { $date }
notify-space-expiring-body = Vous êtes l’un des administrateurs de l’espace { $space }. Cet espace expirera le { $date }, date d’expiration de votre abonnement.
notify-space-expiring-advice = Pour assurer la continuité de vos services (appels SIP, comptes utilisateurs, configuration), renouvelez ou mettez à jour votre abonnement avant cette date. Pour toute question, contactez notre équipe d’assistance.

notify-sms-code = { $minutes ->
    [one] Votre code de validation { $space } est { $code }. Le code est valable { $minutes } minute.
   *[other] Votre code de validation { $space } est { $code }. Le code est valable { $minutes } minutes.
}
notify-sms-code-no-expiry = Votre code de validation { $space } est { $code }.
notify-sms-provisioning = Configurez votre compte { $space } : { $link }
notify-sms-reset-password = Choisissez un nouveau mot de passe pour votre compte { $space } : { $link }
notify-sms-space-expiring = Votre espace { $space } expire le { $date }.
notify-voicemail-subject = Nouveau message vocal de { $from }
notify-voicemail-body = { $from } vous a laissé un message vocal le { $date }.
notify-voicemail-advice = L’enregistrement est joint à ce message.
