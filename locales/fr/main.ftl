# Messages de flexiapi, en français.
# Chaque identifiant existe aussi en anglais, avec les mêmes variables.

## Glossaire : noms des champs tels que les lecteurs les connaissent.
field-username = pseudo
field-password = mot de passe
field-old-password = ancien mot de passe
field-phone = téléphone
field-name = nom
field-email = e-mail
field-domain = domaine
field-host = hôte
field-algorithm = algorithme
field-display-name = nom affiché
field-expire-at = date d'expiration
field-max-accounts = nombre maximal de comptes
field-max-account = nombre maximal de comptes affichés dans l'application
field-theme-hue = teinte du thème
field-custom-provisioning-entries = entrées de provisionnement personnalisées
field-super = indicateur de super espace
field-oidc-authentication-configuration = configuration JWT
field-oidc-authentication-configuration-public-key = clé publique JWT
field-oidc-authentication-configuration-algorithms = algorithmes JWT
field-digest-authentication-configuration = configuration Digest
field-digest-authentication-configuration-default-password-algorithm = algorithme de mot de passe par défaut
field-account-creation-token = jeton de création de compte
field-token = jeton
field-title = titre
field-description = description

## HTTP
not-found = Introuvable.
method-not-allowed = Méthode non autorisée.
host-not-configured = Aucun espace n'est servi sur l'hôte { $host } : un super administrateur en ajoute un avec `flexiapi spaces create --domain DOMAINE --host { $host }` (ou POST /api/spaces).
host-missing = La requête n'a pas d'en-tête Host : aucun espace à servir.
invalid-json = JSON invalide : le corps de la requête n'a pas pu être lu.
unsupported-media-type = Type de contenu non pris en charge : envoyez le corps en `Content-Type: application/json`.
payload-too-large = Le corps de la requête est trop volumineux.
bad-request = Requête incorrecte.
internal-error = Erreur du serveur.
service-unavailable = Le service est momentanément indisponible, veuillez réessayer.

## Authentification
from-required = L'en-tête From est obligatoire et doit contenir votre adresse SIP (sip:utilisateur@domaine).
from-invalid = Adresse SIP invalide dans l'en-tête From.
unauthenticated = Requête non authentifiée.
digest-malformed = En-tête Authorization Digest mal formé.
invalid-opaque = Valeur opaque invalide.
nonce-replayed = Nonce rejoué.
wrong-algorithm = Algorithme incorrect.
invalid-credentials = Identifiants incorrects.
stale-nonce = Nonce expiré, veuillez réessayer avec le nouveau défi.
invalid-api-key = Clé d'API invalide.
too-many-failures = Trop de tentatives d'authentification échouées. Réessayez dans { $seconds } secondes.
api-key-required = Une clé d'API est requise (en-tête x-api-key).
jwt-malformed = Jeton porteur invalide.
jwt-unsupported-algorithm = Algorithme de signature JWT non pris en charge.
jwt-invalid-signature = Signature du jeton JWT invalide.
jwt-expired = Le jeton JWT a expiré.
jwt-not-yet-valid = Le jeton JWT n'est pas encore valide.
jwt-invalid-issuer = Émetteur du jeton JWT invalide.
jwt-invalid-audience = Audience du jeton JWT invalide.
jwt-missing-expiry = Le jeton JWT n'a pas de date d'expiration.
jwt-unusable-key = La clé publique configurée ne permet pas de vérifier ce jeton.
jwt-invalid-sip-identity = Adresse SIP invalide dans le jeton JWT.
jwt-not-configured = Les jetons porteurs ne sont pas acceptés sur cet espace.
jwt-required = Cet espace n'accepte que les jetons porteurs JWT.
jwt-unknown-account = Le jeton JWT ne correspond à aucun compte.

## Accès
account-blocked = Compte bloqué.
space-expired = L'espace concerné a expiré.
unauthorized-area = Zone non autorisée.
not-super-admin = Seuls les super-administrateurs peuvent faire cela.
foreign-space = Ce compte appartient à un autre espace.
csrf-json-required = Les requêtes authentifiées par cookie doivent envoyer un corps JSON (Content-Type: application/json).
space-full = L'espace a atteint son nombre maximal de comptes.
space-not-found = Espace introuvable.
sip-address-not-found = Adresse SIP introuvable.
email-not-found = Adresse e-mail introuvable.
type-already-attached = Ce type est déjà associé au compte.
type-not-attached = Ce type n'est pas associé au compte.
dtmf-protocol-required = Le protocole DTMF doit être configuré.
account-not-found = Compte introuvable.
contacts-list-not-found = Liste de contacts introuvable.
contact-not-found = Ce compte ne fait pas partie des contacts.
not-in-contacts-list = Ce compte ne fait pas partie de la liste de contacts.
contacts-list-already-attached = Cette liste de contacts est déjà associée au compte.
contacts-list-not-attached = Cette liste de contacts n'est pas associée au compte.

## Appareils et provisionnement
device-not-found = Appareil introuvable.
registrar-unavailable = Le registre des appareils est momentanément indisponible, veuillez réessayer.
provisioning-token-not-found = Ce lien de provisionnement est inconnu ou a déjà servi.
provisioning-token-expired = Ce lien de provisionnement a expiré.
provisioning-header-required = L'en-tête x-linphone-provisioning est manquant.

## Validation
validation-failed = Les données fournies sont invalides.
validation-more-errors = { $message } (et { $count ->
    [one] { $count } autre erreur
   *[other] { $count } autres erreurs
  })
validation-required = Le champ { $attribute } est obligatoire.
validation-missing = Le champ { $attribute } doit être absent.
validation-email = Le champ { $attribute } doit être une adresse e-mail valide.
validation-unique = Le { $attribute } est déjà utilisé.
validation-min-length = Le texte du champ { $attribute } doit contenir au moins { $min } caractères.
validation-max-length = Le texte du champ { $attribute } ne peut pas contenir plus de { $max } caractères.
validation-one-of = Le champ { $attribute } est invalide (valeurs possibles : { $values }).
validation-boolean = Le champ { $attribute } doit être vrai ou faux.
validation-integer = Le champ { $attribute } doit être un entier.
validation-integer-between = Le champ { $attribute } doit être compris entre { $min } et { $max }.
validation-integer-min = Le champ { $attribute } doit être supérieur ou égal à { $min }.
validation-text = Le champ { $attribute } doit être une chaîne de caractères.
validation-object = Le champ { $attribute } doit être un objet.
validation-date = Le champ { $attribute } n'est pas une date valide.
validation-date-not-past = Le champ { $attribute } ne peut pas être dans le passé.
validation-no-uppercase = Le champ { $attribute } ne doit pas contenir de majuscules.
validation-not-phone-number = Le champ { $attribute } ne peut pas être un numéro de téléphone.
validation-sip-username = Le champ { $attribute } doit être un nom d'utilisateur SIP valide.
validation-sip-uri = Le champ { $attribute } doit être une URI SIP valide.
validation-domain = Le champ { $attribute } doit être un domaine valide.
validation-phone = Le champ { $attribute } contient un numéro invalide.
validation-phone-country = Le champ { $attribute } doit appartenir à un pays autorisé.
validation-ini = Le champ { $attribute } n'est pas un document INI valide.
validation-jwt-config = Le champ { $attribute } n'est pas une configuration JWT valide.
validation-public-key = Le champ { $attribute } n'est pas une clé publique PEM utilisable pour les algorithmes indiqués.
validation-at-least-current-count = Le champ { $attribute } ne peut pas être inférieur au nombre actuel de comptes.
validation-incorrect-old-password = Le champ { $attribute } est incorrect.
validation-alpha-dash = Le champ { $attribute } ne peut contenir que des lettres minuscules, des chiffres, des tirets et des tirets bas.
validation-valid-token = Veuillez fournir un { $attribute } valide.
validation-token-expired = Le jeton fourni a expiré.

# proxy
duplicate-host-header = La requête a plus d'un en-tête Host.
# budgets
too-many-requests = Trop de requêtes depuis cette adresse. Réessayez dans { $seconds } secondes.
# state
account-deactivated = Compte désactivé par un administrateur : seul un administrateur peut le réactiver.
validation-forbidden-characters = Le champ { $attribute } contient des caractères qui ne peuvent pas être provisionnés (caractères de contrôle, retours à la ligne, U+FFFE ou U+FFFF).
# types
validation-last-super-space = Le dernier espace super ne peut être ni supprimé ni rendu ordinaire : il doit rester au moins un espace super.
# tokens
registration-closed = L'inscription publique est fermée sur cet espace : demandez une invitation à un administrateur.
email-server-not-found = Cet espace n'a pas de serveur d'e-mail propre.
# e-mail and phone changes
account-unvalidated = Compte non validé : il doit d'abord être confirmé par un jeton de création de compte.
change-code-not-found = Il n'y a aucun code à confirmer : demandez-en un d'abord.
code-expired = Code expiré.
code-worn-out = Trop de codes erronés : ce code ne fonctionne plus, demandez-en un nouveau.
no-email-address = Aucune adresse e-mail n'est configurée.
no-email-transport = Ce serveur ne peut pas envoyer d'e-mail : aucun serveur de messagerie n'est configuré. Rien n'a été modifié.
no-sms-transport = Ce serveur ne peut pas envoyer de SMS : aucune passerelle SMS n'est configurée. Rien n'a été modifié.
message-refused = Le serveur de messagerie ou de SMS a refusé le message. Rien n'a été modifié.
message-server-unavailable = Le serveur de messagerie ou de SMS est injoignable pour le moment, veuillez réessayer plus tard. Rien n'a été modifié.
validation-digits = Le champ { $attribute } doit comporter { $digits } chiffres.
validation-valid-code = Le { $attribute } n'est pas valide.
validation-not-current = Le champ { $attribute } a déjà cette valeur pour ce compte.
# TURN
turn-not-configured = Aucun service TURN n'est configuré
# jetons et notifications push des applications Linphone
validation-format = Le format du champ { $attribute } est invalide.
token-requested-too-recently = Dernier jeton demandé trop récemment
token-not-sent = Jeton non envoyé
push-notification-not-sent = Notification push non envoyée
# renvois d'appel
validation-account-contact = Le { $attribute } sélectionné n'est pas un des contacts du compte.
validation-forwarding-exclusive = Un renvoi d'appel « always » activé ne peut coexister avec un renvoi « no_answer » ou « busy » activé.
field-forward-to = destination du renvoi
field-sip-uri = adresse SIP
field-contact-id = contact
# external accounts
external-account-not-found = Ce compte n'a pas de compte externe.
validation-different = Les champs { $attribute } et { $other } doivent être différents.
field-realm = domaine d'authentification
field-registrar = serveur d'enregistrement
field-outbound-proxy = proxy sortant
field-protocol = protocole
# messages vocaux
voicemail-needs-email = Le compte n'a pas d'adresse e-mail.
voicemail-not-found = Message vocal introuvable.
validation-file-type = Le champ { $attribute } doit être un fichier de type : { $values }.
validation-max-kilobytes = Le champ { $attribute } ne peut pas dépasser { $max } kilo-octets.
field-sip-from = sip_from
field-content-type = content_type
field-file = fichier
upload-incomplete = L'envoi a été interrompu : rien n'a été enregistré.
# assistants et messages SIP
validation-exists = Le champ { $attribute } sélectionné est invalide.
validation-space-address = Le champ { $attribute } doit être une adresse de cet espace.
sip-messages-not-configured = L'envoi de messages SIP n'est pas configuré.
sip-message-refused = Le message a été refusé : { $reason }
sip-message-not-sent = Le message n'a pas pu être envoyé : le service SIP est indisponible.
field-to = destinataire
field-body = message
field-linphone-action = linphone_action
field-provisioning-account-id = provisioning_account_id
validation-array = Le champ { $attribute } doit être une liste.
# client certificates (provisioning)
client-certificate-not-allowed = Méthode d'authentification non valide
client-certificate-no-common-name = Le certificat client ne contient pas de CN valide.
client-certificate-not-sip-address = Le CN du certificat n'est pas une adresse SIP valide.
client-certificate-unknown-account = Le certificat n'est lié à aucun compte du système.
# vCards et CardDAV
validation-vcard = vCard invalide : le champ { $attribute } doit contenir une vCard avec un UID.
validation-same-as-path = L'UUID doit être le même : l'UID du champ { $attribute } doit être celui du chemin.
validation-url = Le champ { $attribute } doit être une URL valide.
validation-comma-separated-words = Le champ { $attribute } doit être une liste de mots séparés par des virgules, sans espace.
vcard-already-exists = Cette vCard existe déjà
vcard-not-found = vCard introuvable.
carddav-server-not-found = Serveur CardDAV introuvable.
carddav-credentials-disabled = Les identifiants CardDAV sont désactivés dans cet espace
field-vcard = vcard
field-uri = uri
field-min-characters = nombre minimal de caractères
field-results-limit = nombre maximal de résultats
field-timeout = délai d'expiration
field-delay = délai
field-fields-for-user-input = champs pour la saisie
field-fields-for-domain = champs pour le domaine
