//! `virConnectBaselineCPU`: the model chosen, its fallback, vendor and features, and the
//! error texts, against answers observed from libvirt 9.0's test driver.

mod common;

use common::*;
use virtbus_core::driver::ConnectDriver;

/// One observed call: the CPUs, the flags, and the answer (XML, or `error: TEXT`).
struct Case {
    name: String,
    cpus: Vec<String>,
    flags: u32,
    answer: String,
}

/// The cases of `data/baseline_cases.txt`.
fn cases() -> Vec<Case> {
    let text = include_str!("data/baseline_cases.txt");
    let mut out = Vec::new();
    for block in text.split("\n== ").skip(1) {
        let mut lines = block.lines();
        let name = lines.next().unwrap_or_default().to_owned();
        let mut cpus = Vec::new();
        let mut flags = 0;
        let mut answer = String::new();
        for line in lines {
            if let Some(cpu) = line.strip_prefix("cpu: ") {
                cpus.push(cpu.to_owned());
            } else if let Some(f) = line.strip_prefix("flags: ") {
                flags = f.parse().expect("flags");
            } else if !line.is_empty() {
                answer.push_str(line);
                answer.push('\n');
            }
        }
        out.push(Case {
            name,
            cpus,
            flags,
            answer,
        });
    }
    out
}

fn cpu(arch: &str, model: &str, extra: &str) -> String {
    format!("<cpu><arch>{arch}</arch><model>{model}</model>{extra}</cpu>")
}

#[tokio::test]
async fn every_observed_baseline_is_reproduced() {
    within(async {
        let (d, _rx) = driver();
        let cases = cases();
        assert!(cases.len() > 150, "{} cases", cases.len());
        let mut wrong = Vec::new();
        for case in &cases {
            let got = match d.baseline_cpu(&case.cpus, case.flags).await {
                Ok(xml) => xml,
                Err(e) => format!("error: {e}\n"),
            };
            if got != case.answer {
                wrong.push(format!(
                    "{}:\n{:#?}\nexpected:\n{}got:\n{got}",
                    case.name, case.cpus, case.answer
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    })
    .await;
}

#[tokio::test]
async fn common_baselines() {
    within(async {
        let (d, _rx) = driver();
        let haswell = cpu("x86_64", "Haswell", "");
        let broadwell = cpu("x86_64", "Broadwell", "");
        assert_eq!(
            d.baseline_cpu(std::slice::from_ref(&haswell), 0).await.unwrap(),
            "<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>Haswell</model>\n</cpu>\n"
        );
        assert_eq!(
            d.baseline_cpu(&[haswell.clone(), broadwell], 0).await.unwrap(),
            "<cpu mode='custom' match='exact'>\n  <model fallback='allow'>Haswell</model>\n</cpu>\n"
        );
        let expanded = d.baseline_cpu(std::slice::from_ref(&haswell), 1).await.unwrap();
        assert_eq!(expanded.matches("<feature policy='require'").count(), 50);
        assert!(expanded.contains("  <feature policy='require' name='avx2'/>\n"));
        // A vendor shows only when every CPU names one.
        let intel = cpu("x86_64", "Haswell", "<vendor>Intel</vendor>");
        assert!(d
            .baseline_cpu(&[intel.clone(), intel.clone()], 0)
            .await
            .unwrap()
            .contains("<vendor>Intel</vendor>"));
        assert!(!d
            .baseline_cpu(&[intel, haswell], 0)
            .await
            .unwrap()
            .contains("<vendor>"));
        // Other CPU drivers.
        assert_eq!(
            d.baseline_cpu(&[cpu("ppc64", "POWER8", "")], 0).await.unwrap(),
            "<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>POWER8</model>\n</cpu>\n"
        );
        assert_eq!(
            d.baseline_cpu(&[cpu("aarch64", "cortex-a57", "")], 1).await.unwrap(),
            "<cpu mode='custom' match='exact'>\n  <model fallback='allow'>cortex-a57</model>\n</cpu>\n"
        );
    })
    .await;
}

#[tokio::test]
async fn refused_baselines_name_the_problem() {
    within(async {
        let (d, _rx) = driver();
        let haswell = cpu("x86_64", "Haswell", "");
        for flags in [2u32, 4, 8] {
            assert_eq!(
                text(d.baseline_cpu(std::slice::from_ref(&haswell), flags).await),
                format!("unsupported flags ({flags:#x}) in function testConnectBaselineCPU")
            );
        }
        assert_eq!(
            text(d.baseline_cpu(&[], 2).await),
            "xmlCPUs in virConnectBaselineCPU must not be NULL"
        );
        for (xml, err) in [
            (
                "<foo/>".to_owned(),
                "XML error: XML does not contain expected 'cpu' element",
            ),
            (
                cpu("x86_64", "Nope", ""),
                "internal error: Unknown CPU model Nope",
            ),
            (
                cpu("x86_64", "Haswell", "<feature name='bogusfeat'/>"),
                "internal error: Unknown CPU feature bogusfeat",
            ),
            (
                cpu(
                    "x86_64",
                    "Haswell",
                    "<feature name='vmx'/><feature name='vmx'/>",
                ),
                "XML error: CPU feature 'vmx' specified more than once",
            ),
            (
                cpu("x86_64", "Haswell", "<feature/>"),
                "XML error: Invalid CPU feature name",
            ),
            (
                cpu("x86_64", "Haswell", "<vendor>Foo</vendor>"),
                "operation failed: Unknown CPU vendor Foo",
            ),
            ("<cpu/>".to_owned(), "XML error: Missing CPU architecture"),
            (
                "<cpu><arch>x86_64</arch></cpu>".to_owned(),
                "XML error: Missing CPU model name",
            ),
            (
                cpu("bogus", "Haswell", ""),
                "unsupported configuration: Unknown architecture bogus",
            ),
            (
                "<cpu mode='host-model'><arch>x86_64</arch><model>Haswell</model></cpu>".to_owned(),
                "unsupported configuration: Attribute mode is only allowed for guest CPU",
            ),
            (
                cpu(
                    "x86_64",
                    "Haswell",
                    "<topology sockets='0' cores='2' threads='1'/>",
                ),
                "XML error: Invalid value for attribute 'sockets' in element 'topology': Zero is \
                 not permitted",
            ),
            (
                cpu("s390x", "z13", ""),
                "this function is not supported by the connection driver: cannot compute \
                 baseline CPU of s390x architecture",
            ),
            (
                cpu("mips", "x", ""),
                "this function is not supported by the connection driver: 'mips' architecture \
                 is not supported by CPU driver",
            ),
            (
                cpu("ppc64", "Nope", ""),
                "internal error: Unknown CPU model Nope",
            ),
        ] {
            assert_eq!(
                text(d.baseline_cpu(std::slice::from_ref(&xml), 0).await),
                err,
                "{xml}"
            );
        }
        assert_eq!(
            text(
                d.baseline_cpu(&[cpu("ppc64", "POWER8", ""), cpu("ppc64", "POWER9", "")], 0)
                    .await
            ),
            "operation failed: CPUs are incompatible"
        );
        assert_eq!(
            text(
                d.baseline_cpu(
                    &[
                        haswell.clone(),
                        cpu("x86_64", "Haswell", "<vendor>AMD</vendor>")
                    ],
                    0
                )
                .await
            ),
            "operation failed: CPU vendor Intel of model Haswell differs from vendor AMD"
        );
        let garbage = text(d.baseline_cpu(&[haswell, "garbage".to_owned()], 0).await);
        assert!(garbage.starts_with("(CPU_definition):1"), "{garbage}");
        assert!(
            garbage.contains("Start tag expected, '<' not found"),
            "{garbage}"
        );
    })
    .await;
}
