//! The transports against real servers: an SMTP server process (Python's aiosmtpd, started by
//! each test), a local HTTP server that checks OVH's signature, and a temporary folder.

mod directory;
mod notifier;
mod ovh;
mod rendering;
mod smtp;
mod support;
