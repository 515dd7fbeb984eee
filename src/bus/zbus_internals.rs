//! The two places where the service relies on what zbus 6 does not promise, kept together
//! with tests that fail loudly when a zbus upgrade breaks them.
//!
//! - [`PeerLink`]: the code `#[zbus::interface]` generates (`Interface::call`, `get`, `get_all`)
//!   wants an `&ObjectServer`. zbus 6 has no public constructor for one (`ObjectServer::new` is
//!   `pub(crate)`), and the only public way to get one, `Connection::object_server`, starts zbus's
//!   own dispatch on that connection, which on the bus connection would answer every call a second
//!   time. So the dispatcher takes the object server of an in-process peer-to-peer connection that
//!   carries nothing. Our interfaces never use it (none takes `#[zbus(object_server)]`), and the
//!   `Interface` trait is documented as unstable across minor versions: hence `zbus = "~6.2"` in
//!   Cargo.toml.
//! - [`ConnectionKey`]: zbus gives a connection no identity (no `PartialEq`, no id; the server
//!   GUID's value is the same for every client of one bus). The address of the GUID, which lives in
//!   the state every clone of a connection shares, stands for it.

use std::{
    io::Write,
    os::unix::net::UnixStream,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use zbus::{connection, Connection, Guid, ObjectServer};

/// How long the in-process handshake of [`PeerLink::new`] may take: it needs no other
/// process, so anything longer means zbus changed its handshake.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(5);

/// The `ObjectServer` handed to the generated interface code, from an in-process
/// peer-to-peer connection that carries no message.
///
/// The connection is a client whose server side is played by [`PeerLink::new`] itself: a
/// zbus server connection would look the client's groups up through NSS during its
/// handshake, which loads NSS modules into the process (about 1 MiB of resident memory)
/// and takes a blocking thread, for a link that is never used.
pub struct PeerLink {
    server: ObjectServer,
    _connection: Connection,
    /// The other end of the socket, kept open so that the connection stays up.
    _peer: UnixStream,
}

impl PeerLink {
    /// A link whose handshake is written ahead. Fails, rather than hangs, if zbus's client
    /// handshake no longer accepts it.
    pub async fn new() -> zbus::Result<Self> {
        let io = |e| zbus::Error::InputOutput(Arc::new(e));
        let (ours, mut peer) = UnixStream::pair().map_err(io)?;
        // The server's answers to the client's pipelined "AUTH EXTERNAL", "NEGOTIATE_UNIX_FD"
        // and "BEGIN", written ahead: accepted, and so is descriptor passing. A few bytes
        // into an empty socket buffer: the write cannot block.
        let answers = format!("OK {}\r\nAGREE_UNIX_FD\r\n", Guid::generate());
        peer.write_all(answers.as_bytes()).map_err(io)?;
        let build = connection::Builder::unix_stream(ours).p2p().build();
        let connection = tokio::time::timeout(HANDSHAKE_LIMIT, build)
            .await
            .map_err(|_| {
                zbus::Error::Handshake(
                    "the in-process link did not complete zbus's client handshake".into(),
                )
            })??;
        let server = connection.object_server().clone();
        Ok(Self {
            server,
            _connection: connection,
            _peer: peer,
        })
    }

    /// The object server to hand the generated interface code.
    pub fn server(&self) -> &ObjectServer {
        &self.server
    }
}

/// The connections a service is on. Two dispatchers on one connection would both answer
/// every call, so a second service on a connection is refused.
static SERVED: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// The identity of one connection, shared by all its clones.
fn connection_key(connection: &Connection) -> usize {
    std::ptr::from_ref(connection.server_guid()) as usize
}

/// A connection's entry in the connections served, removed on drop. The holder must keep a
/// clone of the connection for as long as it holds the key, so that the address cannot be
/// reused by another connection meanwhile.
pub struct ConnectionKey(usize);

impl ConnectionKey {
    /// Claims `connection`, unless a service is on it already.
    pub fn claim(connection: &Connection) -> Option<Self> {
        let key = connection_key(connection);
        let mut served = SERVED.lock().unwrap_or_else(PoisonError::into_inner);
        if served.contains(&key) {
            return None;
        }
        served.push(key);
        Some(Self(key))
    }
}

impl Drop for ConnectionKey {
    fn drop(&mut self) {
        let mut served = SERVED.lock().unwrap_or_else(PoisonError::into_inner);
        served.retain(|key| *key != self.0);
    }
}

#[cfg(test)]
mod tests {
    use zbus::{interface, message::Type as MessageType, object_server::Interface, Message};

    use super::*;

    /// A minimal interface, as `#[interface]` generates the code the dispatcher calls.
    struct Echo;

    #[interface(name = "org.example.Echo")]
    impl Echo {
        async fn echo(&self, text: &str) -> String {
            text.to_owned()
        }

        #[zbus(property)]
        async fn answer(&self) -> u32 {
            42
        }
    }

    #[tokio::test]
    async fn the_link_comes_up_and_carries_nothing_while_generated_code_runs() {
        let link = tokio::time::timeout(Duration::from_secs(10), PeerLink::new())
            .await
            .expect("PeerLink::new must not hang: zbus's client handshake changed")
            .expect("PeerLink::new: zbus's client handshake changed");

        // Generated code called with the link's object server answers on the connection the
        // call came from.
        let (server, client) = crate::test_support::p2p_pair().await;
        let mut incoming = zbus::MessageStream::from(&server);
        let call = Message::method_call("/echo", "Echo")
            .interface("org.example.Echo")
            .build(&("hi",))
            .unwrap();
        client.send(&call).await.unwrap();
        let msg = futures_util::StreamExt::next(&mut incoming)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(msg.message_type(), MessageType::MethodCall);
        match Echo.call(link.server(), &server, &msg, "Echo".try_into().unwrap()) {
            zbus::object_server::DispatchResult::Async(reply) => reply.await.unwrap(),
            _ => panic!("the generated code no longer dispatches Echo"),
        }
        let value = Echo
            .get(
                "Answer",
                link.server(),
                &server,
                None,
                &zbus::object_server::SignalEmitter::new(&server, "/echo").unwrap(),
            )
            .await
            .expect("a property")
            .unwrap();
        assert_eq!(u32::try_from(value).unwrap(), 42);

        // Nothing was written to the link beyond the client's handshake.
        let mut peer = link._peer.try_clone().unwrap();
        peer.set_nonblocking(true).unwrap();
        let mut buf = vec![0u8; 4096];
        let mut got = Vec::new();
        loop {
            match std::io::Read::read(&mut peer, &mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(_) => break,
            }
        }
        let text = String::from_utf8_lossy(&got);
        assert!(text.contains("BEGIN"), "{text:?}");
        let after_begin = &got[text.find("BEGIN").unwrap() + "BEGIN\r\n".len()..];
        assert!(
            after_begin.is_empty(),
            "the link carried {} bytes of messages",
            after_begin.len()
        );
    }

    #[tokio::test]
    async fn a_connection_is_claimed_once_for_all_its_clones() {
        let (server, _client) = crate::test_support::p2p_pair().await;
        let key = ConnectionKey::claim(&server).expect("a first claim");
        assert!(ConnectionKey::claim(&server.clone()).is_none());
        drop(key);
        assert!(ConnectionKey::claim(&server.clone()).is_some());
    }

    #[tokio::test]
    async fn connections_with_the_same_guid_are_told_apart() {
        let guid = Guid::generate();
        let mut servers = Vec::new();
        for _ in 0..2 {
            let (server, client) = crate::test_support::p2p_pair_with_guid(guid.clone()).await;
            servers.push((server, client));
        }
        assert_eq!(servers[0].0.server_guid(), servers[1].0.server_guid());
        let first = ConnectionKey::claim(&servers[0].0).expect("first connection");
        let second = ConnectionKey::claim(&servers[1].0)
            .expect("a second connection with the same GUID value is another connection");
        drop((first, second));
    }
}
