//! virtbus: a D-Bus service that manages virtual machines with libvirt's object model.

pub mod bus;
