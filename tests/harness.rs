//! Self-checks of the test harness (private bus, service start, raw calls).

mod common;

use common::{with_timeout, Bus, Service};

#[tokio::test(flavor = "multi_thread")]
async fn bus_starts_and_answers() {
    with_timeout(async {
        let bus = Bus::start();
        assert!(bus.address().starts_with("unix:path="), "{}", bus.address());
        let conn = bus.connect().await;
        let dbus = zbus::fdo::DBusProxy::new(&conn).await.unwrap();
        let names = dbus.list_names().await.unwrap();
        assert!(names.iter().any(|n| n.as_str() == "org.freedesktop.DBus"));
        // No activation configured: nothing activatable beyond the bus itself.
        let activatable = dbus.list_activatable_names().await.unwrap();
        assert!(
            activatable
                .iter()
                .all(|n| n.as_str() == "org.freedesktop.DBus"),
            "{activatable:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn service_owns_name_and_dies_with_drop() {
    with_timeout(async {
        let service = Service::start().await;
        let pid = service.pid();
        let bus_pid = service.bus().pid();
        assert!(common::send_signal(pid, 0), "service not running");
        let connect = service.connect_proxy().await;
        let domains = connect.list_domains(0).await.unwrap();
        assert!(
            domains
                .iter()
                .any(|p| p.as_str() == common::TEST_DOMAIN_PATH),
            "{domains:?}"
        );
        drop(service);
        assert!(
            !common::send_signal(pid, 0),
            "service still running after drop"
        );
        assert!(
            !common::send_signal(bus_pid, 0),
            "bus still running after drop"
        );
    })
    .await;
}
