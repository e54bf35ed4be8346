//! Black-box tests of the whole server: the real application on a free port, spoken to over
//! HTTP, and the real binary for the CLI.

mod helpers;
mod process;
mod support_chromium;
mod support_ovh;
mod support_smtp;

mod access;
mod account_state;
mod accounts;
mod api_keys;
mod audit;
mod basics;
mod brute_force;
mod budgets;
mod cli;
mod contacts;
mod creation_tokens;
mod devices;
mod digest;
mod expiry;
mod faults;
mod flexisip;
mod import;
mod isolation;
mod jwt;
mod limits;
mod localization;
mod metrics;
mod notifications;
mod openapi;
mod phones;
mod provisioning;
mod proxy;
mod real_clients;
mod shared_database;
mod shutdown;
mod spaces;
mod token_scope;
mod tooling;
mod type_scope;
mod web_browser;
mod web_pages;
