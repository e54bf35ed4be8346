//! Black-box tests of the whole server: the real application on a free port, spoken to over
//! HTTP, and the real binary for the CLI.

mod helpers;
mod process;

mod access;
mod accounts;
mod api_keys;
mod basics;
mod cli;
mod devices;
mod digest;
mod expiry;
mod jwt;
mod localization;
mod openapi;
mod provisioning;
mod real_clients;
mod shared_database;
mod spaces;
mod tooling;
