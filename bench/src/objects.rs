//! The "objects at M" phase: M networks, M storage pools and one started pool holding M
//! volumes are defined on the test connection, then listing them and `GetManagedObjects` are
//! timed. Like [`crate::load`], functions return `Err(String)` when the service misbehaves.

use std::{
    future::Future,
    time::{Duration, Instant},
};

use tokio::task::JoinSet;
use zbus::{Connection, Message, OwnedObjectPath};

use crate::load::{self, call_error, Repeat};

const POOL_IFACE: &str = "org.libvirt.StoragePool";

/// The name of the one pool the volumes are created in.
const VOLUME_POOL: &str = "benchvols";
/// Its target directory under /bench.
const VOLUME_POOL_DIR: &str = "vols";

/// Size of every benchmark volume, bytes.
const VOLUME_CAPACITY: u64 = 1 << 20;

/// A median latency and how many objects the reply held; `None` when the service answers
/// that it does not support the call.
pub type Listing = Option<(Duration, usize)>;

/// What the objects phase measured.
#[derive(Debug, Clone)]
pub struct ObjectFigures {
    /// `Connect.ListNetworks(0)`.
    pub networks: Result<Listing, String>,
    /// `Connect.ListStoragePools(0)`.
    pub pools: Result<Listing, String>,
    /// `StoragePool.ListStorageVolumes(0)` on the pool holding the M volumes.
    pub volumes: Result<Listing, String>,
    /// `GetManagedObjects` on the test connection; the count is every object in the reply.
    pub managed: Result<Listing, String>,
}

/// Minimal network XML with a name unique to `index`.
pub fn network_xml(index: usize) -> String {
    format!("<network><name>benchnet{index}</name></network>")
}

/// Minimal directory pool XML with a name and target unique to `index`.
pub fn pool_xml(index: usize) -> String {
    dir_pool_xml(&format!("benchpool{index}"), &format!("pool{index}"))
}

/// A directory pool named `name` with its target in `/bench/{dir}`.
fn dir_pool_xml(name: &str, dir: &str) -> String {
    format!(
        "<pool type='dir'><name>{name}</name>\
         <target><path>/bench/{dir}</path></target></pool>"
    )
}

/// Minimal volume XML with a name unique to `index`.
pub fn volume_xml(index: usize) -> String {
    format!("<volume><name>vol{index}.img</name><capacity>{VOLUME_CAPACITY}</capacity></volume>")
}

/// Defines `count` networks, `count` pools and one started pool with `count` volumes, spread
/// over `clients`; returns the path of the volume pool. Gives up after `limit`.
pub async fn define_objects(
    clients: &[Connection],
    count: usize,
    limit: Duration,
) -> Result<OwnedObjectPath, String> {
    let deadline = Instant::now() + limit;
    spread(clients, count, deadline, "network", |conn, i| async move {
        load::connect_call(&conn, "NetworkDefineXML", &(network_xml(i),)).await
    })
    .await?;
    spread(clients, count, deadline, "pool", |conn, i| async move {
        load::connect_call(&conn, "StoragePoolDefineXML", &(pool_xml(i), 0u32)).await
    })
    .await?;
    let first = clients.first().ok_or("no client connection")?;
    let pool = start_volume_pool(first).await?;
    let target = pool.clone();
    spread(clients, count, deadline, "volume", move |conn, i| {
        let pool = target.clone();
        async move { pool_call(&conn, &pool, "StorageVolCreateXML", &(volume_xml(i), 0u32)).await }
    })
    .await?;
    Ok(pool)
}

/// Defines and starts the pool the volumes go in.
async fn start_volume_pool(conn: &Connection) -> Result<OwnedObjectPath, String> {
    let reply = load::connect_call(
        conn,
        "StoragePoolDefineXML",
        &(dir_pool_xml(VOLUME_POOL, VOLUME_POOL_DIR), 0u32),
    )
    .await
    .map_err(|e| format!("defining pool {VOLUME_POOL}: {}", call_error(e)))?;
    let pool: OwnedObjectPath = reply
        .body()
        .deserialize()
        .map_err(|e| format!("StoragePoolDefineXML reply: {e}"))?;
    pool_call(conn, &pool, "Create", &(0u32,))
        .await
        .map_err(|e| format!("starting pool {VOLUME_POOL}: {}", call_error(e)))?;
    Ok(pool)
}

/// Runs `call(conn, i)` for every `i` in `0..count`, client `c` taking `c`, `c + clients`,
/// ... (as [`load::define_domains`] does); `what` names the object in errors.
async fn spread<F, Fut>(
    clients: &[Connection],
    count: usize,
    deadline: Instant,
    what: &'static str,
    call: F,
) -> Result<(), String>
where
    F: Fn(Connection, usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = zbus::Result<Message>> + Send,
{
    let stride = clients.len().max(1);
    let mut tasks = JoinSet::new();
    for (first, conn) in clients.iter().enumerate() {
        let (conn, call) = (conn.clone(), call.clone());
        tasks.spawn(async move {
            for index in (first..count).step_by(stride) {
                if Instant::now() >= deadline {
                    return Err(format!("defining {what}s: out of time"));
                }
                call(conn.clone(), index)
                    .await
                    .map_err(|e| format!("defining {what} {index}: {}", call_error(e)))?;
            }
            Ok::<_, String>(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| format!("client task failed: {e}"))??;
    }
    Ok(())
}

/// A method of `org.libvirt.StoragePool` on the pool at `pool`.
async fn pool_call<B>(
    conn: &Connection,
    pool: &OwnedObjectPath,
    method: &str,
    body: &B,
) -> zbus::Result<Message>
where
    B: zbus::export::serde::Serialize + zbus::zvariant::DynamicType,
{
    conn.call_method(
        Some(crate::service::BUS_NAME),
        pool,
        Some(POOL_IFACE),
        method,
        body,
    )
    .await
}

/// Times every listing, each after one warm-up call that also counts the reply.
pub async fn measure(conn: &Connection, pool: &OwnedObjectPath, reps: Repeat) -> ObjectFigures {
    ObjectFigures {
        networks: listing(
            reps,
            || load::connect_call(conn, "ListNetworks", &(0u32,)),
            paths,
        )
        .await,
        pools: listing(
            reps,
            || load::connect_call(conn, "ListStoragePools", &(0u32,)),
            paths,
        )
        .await,
        volumes: listing(
            reps,
            || pool_call(conn, pool, "ListStorageVolumes", &(0u32,)),
            paths,
        )
        .await,
        managed: listing(
            reps,
            || load::get_managed_objects(conn),
            load::managed_count,
        )
        .await,
    }
}

/// The number of object paths in an `ao` reply.
fn paths(reply: &Message) -> Result<usize, String> {
    reply
        .body()
        .deserialize::<Vec<OwnedObjectPath>>()
        .map(|p| p.len())
        .map_err(|e| format!("reply: {e}"))
}

/// One warm-up `call` whose reply `count` reads, then the median latency over `reps`;
/// `Ok(None)` when the service does not support the call.
async fn listing<F, Fut>(
    reps: Repeat,
    mut call: F,
    count: fn(&Message) -> Result<usize, String>,
) -> Result<Listing, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = zbus::Result<Message>>,
{
    let reply = match call().await {
        Ok(reply) => reply,
        Err(e) if load::is_unsupported(&e) => return Ok(None),
        Err(e) => return Err(call_error(e)),
    };
    let listed = count(&reply)?;
    let median = load::median_latency(reps, call).await?;
    Ok(Some((median, listed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_names_are_unique_per_index() {
        assert_eq!(network_xml(7), "<network><name>benchnet7</name></network>");
        assert_ne!(network_xml(1), network_xml(10));
        assert_eq!(
            pool_xml(3),
            "<pool type='dir'><name>benchpool3</name>\
             <target><path>/bench/pool3</path></target></pool>"
        );
        assert_ne!(pool_xml(1), pool_xml(2));
        assert!(volume_xml(5).contains("<name>vol5.img</name>"));
        assert!(volume_xml(5).contains("<capacity>1048576</capacity>"));
        assert_ne!(volume_xml(5), volume_xml(50));
    }

    #[test]
    fn volume_pool_name_is_not_a_bench_pool_name() {
        assert!(!dir_pool_xml(VOLUME_POOL, VOLUME_POOL_DIR).contains("benchpool"));
    }
}
