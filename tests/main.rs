//! Black-box tests of the whole server: the real application on a free port, spoken to over
//! HTTP, and the real binary for the CLI.

mod helpers;

mod access;
mod api_keys;
mod basics;
mod cli;
mod digest;
mod jwt;
mod localization;
mod openapi;
mod real_clients;
mod spaces;
