//! Native tests of the pure core, driven the way the Durable Object shell
//! drives it, with a simulated store and simulated sockets.

mod admin;
mod calls;
mod contacts;
mod conversation;
mod files;
mod lifecycle;
mod notes;
mod rating;
mod reports;
mod rng;
mod room;
mod router;
mod sim;
mod system;
mod workspace;
mod wsim;
