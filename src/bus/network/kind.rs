//! Networks as a kind of object: what sets them apart from the other objects of their shape
//! (see [`crate::bus::startable`]).

use std::sync::Arc;

use uuid::Uuid;
use virtbus_core::{driver::Driver, ObjectId, Result as CoreResult};

use super::{NetworkObject, INTERFACE};
use crate::bus::{
    kind::BoxFuture,
    path,
    startable::{Startable, StartableKind, StartableValues},
};

/// The networks of a driver, at `<connection>/network/_<uuid>`.
pub type NetworkKind = StartableKind<Networks>;

/// Networks, as [`Startable`] says.
pub struct Networks;

impl Startable for Networks {
    const CONTRACT: &'static str = include_str!("../../../interfaces/org.libvirt.Network.xml");
    const ELEMENT: &'static str = path::NETWORK;
    const INTERFACE: &'static str = INTERFACE;

    type Handle = NetworkObject;

    fn handle(driver: Arc<dyn Driver>, uuid: Uuid) -> NetworkObject {
        NetworkObject::new(driver, uuid)
    }

    fn id(uuid: Uuid) -> ObjectId {
        ObjectId::Network(uuid)
    }

    async fn list(driver: &dyn Driver) -> CoreResult<Vec<Uuid>> {
        driver.list_networks(0).await
    }

    async fn read<'a>(driver: &'a dyn Driver, uuid: &'a Uuid) -> CoreResult<StartableValues> {
        let s = driver.network_summary(uuid).await?;
        Ok(StartableValues::new(
            s.uuid,
            s.name,
            s.active,
            s.persistent,
            s.autostart,
        ))
    }

    fn set_autostart(
        driver: Arc<dyn Driver>,
        uuid: Uuid,
        autostart: bool,
    ) -> BoxFuture<'static, CoreResult<()>> {
        Box::pin(async move { driver.network_set_autostart(&uuid, autostart).await })
    }
}
