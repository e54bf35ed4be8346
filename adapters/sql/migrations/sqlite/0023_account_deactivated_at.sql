-- When an admin deactivated the account (NULL: never, or activated again since). Provisioning and
-- password changes activate an account never activated (a registration), not one an admin
-- turned off: only an admin activates it again. Flexisip keeps reading `activated`.
ALTER TABLE accounts ADD COLUMN deactivated_at TEXT NULL;
