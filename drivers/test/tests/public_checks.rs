//! Checks libvirt's public API makes before the test driver sees a call, in libvirt's order:
//! I/O thread ids and migration flags.

mod common;

use common::*;
use virtbus_core::{driver::DomainDriver, params::TypedParams};

const LIVE_AND_CONFIG: &str =
    "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive";

#[tokio::test]
async fn iothread_zero_is_refused_where_libvirt_refuses_it() {
    within(async {
        let (d, _rx) = driver();
        // DelIOThread: the public API refuses zero before any flag check.
        for flags in [0, 3, 4] {
            assert_eq!(
                text(d.del_iothread(&TEST_UUID, 0, flags).await),
                "iothread_id in virDomainDelIOThread must not be zero"
            );
        }
        assert_eq!(
            text(d.del_iothread(&TEST_UUID, 9, 3).await),
            LIVE_AND_CONFIG
        );
        assert_eq!(
            text(d.del_iothread(&TEST_UUID, 9, 4).await),
            "unsupported flags (0x4) in function testDomainDelIOThread"
        );
        assert_eq!(
            text(
                d.del_iothread(&uuid("11111111-2222-3333-4444-555555555555"), 0, 0)
                    .await
            ),
            "iothread_id in virDomainDelIOThread must not be zero"
        );
        // AddIOThread: the driver checks flags, then zero, then LIVE|CONFIG.
        assert_eq!(
            text(d.add_iothread(&TEST_UUID, 0, 0).await),
            "invalid argument: invalid value of 0 for iothread_id"
        );
        assert_eq!(
            text(d.add_iothread(&TEST_UUID, 0, 3).await),
            "invalid argument: invalid value of 0 for iothread_id"
        );
        assert_eq!(
            text(d.add_iothread(&TEST_UUID, 0, 4).await),
            "unsupported flags (0x4) in function testDomainAddIOThread"
        );
        assert_eq!(
            text(d.add_iothread(&TEST_UUID, 7, 3).await),
            LIVE_AND_CONFIG
        );
        // PinIOThread: zero is just an id that is not there.
        assert_eq!(
            text(d.pin_iothread(&TEST_UUID, 0, &[true], 0).await),
            "invalid argument: iothreadid 0 not found"
        );
        assert_eq!(
            text(d.pin_iothread(&TEST_UUID, 0, &[true], 3).await),
            LIVE_AND_CONFIG
        );
        assert_eq!(
            text(d.pin_iothread(&TEST_UUID, 0, &[true], 4).await),
            "unsupported flags (0x4) in function testDomainPinIOThread"
        );
        assert!(d.iothread_info(&TEST_UUID, 0).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn migration_flags_are_checked_in_libvirts_order() {
    within(async {
        let (d, _rx) = driver();
        let migrate = |flags: u32| {
            d.migrate_to_uri3(&TEST_UUID, "test:///default", TypedParams::default(), flags)
        };
        const TUNNELLED_PARALLEL: &str =
            "Flags 'VIR_MIGRATE_TUNNELLED' and 'VIR_MIGRATE_PARALLEL' are mutually exclusive";
        const NON_SHARED: &str = "Flags 'VIR_MIGRATE_NON_SHARED_DISK' and \
                                  'VIR_MIGRATE_NON_SHARED_INC' are mutually exclusive";
        const OFFLINE: &str = "argument unsupported: offline migration is not supported by the \
                               source host";
        const P2P: &str = "argument unsupported: p2p migration is not supported by the source host";
        const DIRECT: &str =
            "argument unsupported: direct migration is not supported by the source host";
        for (flags, err) in [
            (4 | 131_072, TUNNELLED_PARALLEL),
            (0xffff_ffff, TUNNELLED_PARALLEL),
            (0xfffd_ffff, NON_SHARED),
            (64 | 128, NON_SHARED),
            (1024 | 64 | 128 | 4, NON_SHARED),
            (0xfffd_ff3f, OFFLINE),
            (1024, OFFLINE),
            (1024 | 2, OFFLINE),
            (0xfffd_fb3f, P2P),
            (2, P2P),
            (0xfffd_fb3d, DIRECT),
            (131_072, DIRECT),
            (4, DIRECT),
            (0, DIRECT),
        ] {
            assert_eq!(text(migrate(flags).await), err, "{flags:#x}");
        }
        assert_eq!(
            text(
                d.migrate_to_uri3(
                    &uuid("11111111-2222-3333-4444-555555555555"),
                    "",
                    TypedParams::default(),
                    6
                )
                .await
            ),
            "Domain not found"
        );
    })
    .await;
}
