mod cookie_counter;
mod helpers;
mod home;
