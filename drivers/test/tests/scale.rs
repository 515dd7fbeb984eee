//! The driver at benchmark scale (10,000 domains) and under concurrent use.

mod common;

use std::{collections::HashSet, sync::Arc, time::Instant};

use common::*;
use virtbus_core::{
    driver::DomainDriver,
    event::{Event, ObjectId},
};

const DOMAINS: usize = 10_000;

fn uuid_for(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012x}")
}

#[tokio::test]
async fn ten_thousand_domains() {
    within(async {
        // Every event is read at the end: the queue must hold them all.
        let (d, mut rx) = driver_with_capacity(2 * DOMAINS);
        let start = Instant::now();
        for i in 0..DOMAINS {
            d.define_xml(&xml(&format!("dom{i}"), &uuid_for(i)), 0)
                .await
                .unwrap();
        }
        let define = start.elapsed();

        let start = Instant::now();
        let all = d.list_domains(0).await.unwrap();
        let list = start.elapsed();
        assert_eq!(all.len(), DOMAINS + 1);

        let start = Instant::now();
        let summaries = d.summaries().await.unwrap();
        let summarise = start.elapsed();
        assert_eq!(summaries.len(), DOMAINS + 1);

        let start = Instant::now();
        for i in (0..DOMAINS).step_by(97) {
            let u = d.lookup_by_name(&format!("dom{i}")).await.unwrap();
            assert_eq!(d.summary(&u).await.unwrap().name, format!("dom{i}"));
        }
        let lookups = start.elapsed();

        assert_eq!(d.list_domains(1).await.unwrap().len(), 1);
        assert_eq!(d.list_domains(2).await.unwrap().len(), DOMAINS);

        let events = drain(&mut rx);
        assert_eq!(events.len(), 2 * DOMAINS);
        assert!(matches!(events[0], Event::Added(ObjectId::Domain(_))));

        eprintln!(
            "{DOMAINS} defines: {define:?} ({:.0}/s); list: {list:?}; summaries: {summarise:?}; \
             {} name lookups + summaries: {lookups:?}",
            DOMAINS as f64 / define.as_secs_f64(),
            DOMAINS.div_ceil(97)
        );
    })
    .await;
}

#[test]
fn concurrent_callers_keep_the_store_consistent() {
    let threads = 8;
    let per_thread = 200;
    // Every event is read at the end: the queue must hold them all (added, started, and
    // stopped and removed for half of them).
    let (d, mut rx) = driver_with_capacity(3 * threads * per_thread);
    let d = Arc::new(d);
    std::thread::scope(|s| {
        for t in 0..threads {
            let d = Arc::clone(&d);
            s.spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    for i in 0..per_thread {
                        let n = t * per_thread + i;
                        let x = xml(&format!("c{n}"), &uuid_for(n));
                        let u = d.create_xml(&x, 0).await.unwrap();
                        // The same definition again is refused while it runs.
                        assert!(d.create_xml(&x, 0).await.is_err());
                        if i % 2 == 0 {
                            d.destroy(&u, 0).await.unwrap();
                        }
                    }
                });
            });
        }
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    rt.block_on(within(async {
        let summaries = d.summaries().await.unwrap();
        assert_eq!(summaries.len(), 1 + threads * per_thread / 2);
        let ids: HashSet<i32> = summaries.iter().map(|s| s.id).collect();
        assert_eq!(ids.len(), summaries.len(), "ids are unique");
        let events = drain(&mut rx);
        let added = events
            .iter()
            .filter(|e| matches!(e, Event::Added(ObjectId::Domain(_))))
            .count();
        let removed = events
            .iter()
            .filter(|e| matches!(e, Event::Removed(ObjectId::Domain(_))))
            .count();
        assert_eq!(added, threads * per_thread);
        assert_eq!(removed, threads * per_thread / 2);
    }));
}
