mod cli;
mod cookie_counter;
mod helpers;
mod home;
mod session_counter;
mod store_suite;
mod stores;
