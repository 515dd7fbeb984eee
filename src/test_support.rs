//! What the unit tests of several modules share.

use std::os::unix::net::UnixStream;

use zbus::{connection, Connection, Guid};

/// Both ends of an in-process peer-to-peer link: (the server side, which a service is put on;
/// the client side), the server side with `guid`.
pub async fn p2p_pair_with_guid(guid: Guid<'static>) -> (Connection, Connection) {
    let (a, b) = UnixStream::pair().unwrap();
    tokio::try_join!(
        connection::Builder::unix_stream(a)
            .server(guid)
            .p2p()
            .build(),
        connection::Builder::unix_stream(b).p2p().build(),
    )
    .unwrap()
}

/// [`p2p_pair_with_guid`] with a new GUID.
pub async fn p2p_pair() -> (Connection, Connection) {
    p2p_pair_with_guid(Guid::generate()).await
}
