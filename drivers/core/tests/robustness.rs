//! No input makes the parser panic: prefixes of every fixture, and many random mutations
//! of them, either parse or fail with an error; whatever parses also formats and re-parses.

use virtbus_core::xml::{
    format_device, format_domain, metadata_from_set, parse_device, parse_domain, FormatOptions,
};

fn fixtures() -> Vec<String> {
    let dir = format!("{}/tests/data", env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for sub in ["", "postparse"] {
        let path = format!("{dir}/{sub}");
        let mut names: Vec<_> = std::fs::read_dir(&path)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "xml"))
            .collect();
        names.sort();
        for n in names {
            out.push(std::fs::read_to_string(n).unwrap());
        }
    }
    assert!(out.len() >= 10);
    out
}

/// Parses `text` as a domain, a device and a metadata element; formats what parses.
fn exercise(text: &str) {
    if let Ok(def) = parse_domain(text) {
        let out = format_domain(
            &def,
            &FormatOptions {
                secure: true,
                ..Default::default()
            },
        );
        parse_domain(&out).unwrap_or_else(|e| panic!("own output refused: {e}\n{out}"));
    }
    if let Ok(dev) = parse_device(text) {
        let out = format_device(&dev, true);
        parse_device(&out).unwrap_or_else(|e| panic!("own device output refused: {e}\n{out}"));
    }
    let _ = metadata_from_set(text, "k", "urn:k");
}

#[test]
fn every_prefix_is_handled() {
    for f in fixtures() {
        // Every prefix of the small fixtures; an even spread of about 300 for the large ones
        // (the debug build is slow), always including the cut before each tag.
        let stride = (f.len() / 300).max(1);
        let mut ends: Vec<usize> = f
            .char_indices()
            .enumerate()
            .filter(|(n, (i, c))| n % stride == 0 || *c == '<' || *i + 1 == f.len())
            .map(|(_, (i, _))| i)
            .collect();
        ends.push(f.len());
        for end in ends {
            exercise(&f[..end]);
        }
    }
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn random_mutations_are_handled() {
    const PIECES: &[&str] = &[
        "<",
        ">",
        "/",
        "'",
        "\"",
        "&",
        ";",
        "=",
        " ",
        "\n",
        "&#0;",
        "&#x10FFFF;",
        "&amp;",
        "]]>",
        "<![CDATA[",
        "<!--",
        "-->",
        "<?",
        "?>",
        "x:",
        "xmlns:",
        "\u{0}",
        "é",
        "-1",
        "0x",
        "99999999999999999999",
        "</devices>",
        "<devices>",
        "<disk>",
        "<target dev='vda'/>",
        "<boot order='0'/>",
        "<address/>",
        "unit='EiB'",
        "<vcpu>4097</vcpu>",
        "<!DOCTYPE",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for f in fixtures() {
        for _ in 0..80 {
            let mut s = f.clone();
            for _ in 0..1 + rng.below(4) {
                let mut at = rng.below(s.len() + 1);
                while !s.is_char_boundary(at) {
                    at -= 1;
                }
                match rng.below(3) {
                    0 => s.insert_str(at, PIECES[rng.below(PIECES.len())]),
                    1 => {
                        let mut end = (at + 1 + rng.below(16)).min(s.len());
                        while !s.is_char_boundary(end) {
                            end -= 1;
                        }
                        s.replace_range(at..end, "");
                    }
                    _ => {
                        let mut end = (at + rng.below(8)).min(s.len());
                        while !s.is_char_boundary(end) {
                            end -= 1;
                        }
                        s.replace_range(at..end, PIECES[rng.below(PIECES.len())]);
                    }
                }
            }
            exercise(&s);
        }
    }
}

#[test]
fn garbage_is_handled() {
    for text in [
        "\u{feff}<domain/>",
        "<domain",
        "<>",
        "</>",
        "<domain type='test'></domain></domain>",
        "<domain type='test'><name>x</name><memory>1</memory><os><type>hvm</type></os>\
         <devices><disk/><controller/><interface/><serial/><console/><channel/><graphics/>\
         <video/><input/><sound/><audio/><watchdog/><rng/><panic/><memballoon/><redirdev/>\
         </devices></domain>",
        "<domain type='test'><name>x</name><memory>1</memory><os><type>hvm</type></os>\
         <devices><disk><target dev='sd'/></disk><disk><target dev='hd\u{e9}'/></disk>\
         <disk><target dev='sdzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'/></disk>\
         <disk type='file'><target dev='hdz' bus='ide'/><address type='drive' controller='4294967295'/></disk>\
         <channel type='unix'><target type='virtio'/><address type='virtio-serial' controller='4294967295'/></channel>\
         </devices></domain>",
    ] {
        exercise(text);
    }
}
