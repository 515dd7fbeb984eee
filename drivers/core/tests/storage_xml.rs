//! `<pool>` and `<volume>` documents: round trips of what virsh, virt-manager and cockpit
//! write, in libvirt's canonical output (`virsh pool-dumpxml`, `vol-dumpxml`), and
//! libvirt's error texts for bad documents.

use virtbus_core::{
    model::{PoolType, StoragePoolDef},
    xml::{
        format_storage_pool, format_storage_vol, parse_storage_pool, parse_storage_pool_with,
        parse_storage_vol,
    },
};

/// Parses `xml`, sets the sizes the test driver gives a new pool, and checks that
/// formatting gives `expected`, and that `expected` is a fixed point.
fn pool_round_trip(xml: &str, expected: &str) -> StoragePoolDef {
    let mut def = parse_storage_pool(xml).unwrap_or_else(|e| panic!("{e}"));
    def.capacity = 107374182400;
    def.available = 107374182400;
    let out = format_storage_pool(&def);
    assert_eq!(out, expected);
    let mut again = parse_storage_pool(&out).unwrap();
    again.capacity = def.capacity;
    again.available = def.available;
    assert_eq!(again, def);
    def
}

fn vol_round_trip(xml: &str, pool: PoolType, expected: &str) {
    let def = parse_storage_vol(xml, pool).unwrap_or_else(|e| panic!("{e}"));
    let out = format_storage_vol(&def);
    assert_eq!(out, expected);
    assert_eq!(parse_storage_vol(&out, pool).unwrap(), def);
}

fn pool_err(xml: &str) -> String {
    parse_storage_pool(xml).unwrap_err().to_string()
}

fn vol_err(xml: &str) -> String {
    parse_storage_vol(xml, PoolType::Dir)
        .unwrap_err()
        .to_string()
}

const SIZES: &str = "  <capacity unit='bytes'>107374182400</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>107374182400</available>
";

#[test]
fn test_driver_default_pool() {
    let def = pool_round_trip(
        "<pool type='dir'>
  <name>default-pool</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
  <target>
    <path>/default-pool</path>
  </target>
</pool>",
        &format!(
            "<pool type='dir'>
  <name>default-pool</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
{SIZES}  <source>
  </source>
  <target>
    <path>/default-pool</path>
  </target>
</pool>
"
        ),
    );
    assert_eq!(def.pool_type, PoolType::Dir);
}

#[test]
fn dir_pool_with_permissions_as_virt_manager_writes_it() {
    pool_round_trip(
        "<pool type=\"dir\">
  <name>images</name>
  <uuid>3e3fce45-4f53-4fa7-bb32-11f34168b82b</uuid>
  <capacity unit=\"bytes\">0</capacity>
  <source/>
  <target>
    <path>/var/lib/libvirt//images/</path>
    <permissions>
      <mode>0711</mode>
      <owner>0</owner>
      <group>-1</group>
      <label>system_u:object_r:virt_image_t:s0</label>
    </permissions>
  </target>
</pool>",
        &format!(
            "<pool type='dir'>
  <name>images</name>
  <uuid>3e3fce45-4f53-4fa7-bb32-11f34168b82b</uuid>
{SIZES}  <source>
  </source>
  <target>
    <path>/var/lib/libvirt/images</path>
    <permissions>
      <mode>0711</mode>
      <owner>0</owner>
      <label>system_u:object_r:virt_image_t:s0</label>
    </permissions>
  </target>
</pool>
"
        ),
    );
}

#[test]
fn logical_pool_takes_its_target_from_the_volume_group() {
    let def = pool_round_trip(
        "<pool type='logical'>
  <name>vg0</name>
  <uuid>a3f5b1de-7a43-4b4b-9c1e-0d4c6f8d2a11</uuid>
  <source>
    <device path='/dev/sdb1'/>
    <device path='/dev/sdc1'/>
  </source>
  <target><path>/ignored</path></target>
</pool>",
        &format!(
            "<pool type='logical'>
  <name>vg0</name>
  <uuid>a3f5b1de-7a43-4b4b-9c1e-0d4c6f8d2a11</uuid>
{SIZES}  <source>
    <device path='/dev/sdb1'/>
    <device path='/dev/sdc1'/>
    <name>vg0</name>
    <format type='lvm2'/>
  </source>
  <target>
    <path>/dev/vg0</path>
  </target>
</pool>
"
        ),
    );
    assert_eq!(def.target_path.as_deref(), Some("/dev/vg0"));
}

#[test]
fn logical_pool_named_by_its_source() {
    let def = parse_storage_pool(
        "<pool type='logical'><source><name>data</name><device path='/dev/sdb'/></source></pool>",
    )
    .unwrap();
    assert_eq!(def.name, "data");
    assert_eq!(def.target_path.as_deref(), Some("/dev/data"));
}

#[test]
fn iscsi_pool_with_chap_auth() {
    pool_round_trip(
        "<pool type='iscsi'>
  <name>san</name>
  <uuid>6b2ad2a3-1f0e-4a71-8d2c-5b7c2d90f0e1</uuid>
  <source>
    <host name='iscsi.example.com' port='3260'/>
    <device path='iqn.2013-06.com.example:iscsi-pool'/>
    <initiator>
      <iqn name='iqn.2013-06.com.example:client'/>
    </initiator>
    <auth type='chap' username='admin'>
      <secret usage='libvirtiscsi'/>
    </auth>
  </source>
  <target>
    <path>/dev/disk/by-path</path>
  </target>
</pool>",
        &format!(
            "<pool type='iscsi'>
  <name>san</name>
  <uuid>6b2ad2a3-1f0e-4a71-8d2c-5b7c2d90f0e1</uuid>
{SIZES}  <source>
    <host name='iscsi.example.com' port='3260'/>
    <device path='iqn.2013-06.com.example:iscsi-pool'/>
    <initiator>
      <iqn name='iqn.2013-06.com.example:client'/>
    </initiator>
    <auth type='chap' username='admin'>
      <secret usage='libvirtiscsi'/>
    </auth>
  </source>
  <target>
    <path>/dev/disk/by-path</path>
  </target>
</pool>
"
        ),
    );
}

#[test]
fn netfs_pool_with_nfs_protocol() {
    pool_round_trip(
        "<pool type='netfs'>
  <name>nfs</name>
  <uuid>1c9d1a0e-2b3f-4c5d-8e9f-0a1b2c3d4e5f</uuid>
  <source>
    <host name='nfs.example.com'/>
    <dir path='/exports/vm/'/>
    <format type='nfs'/>
    <protocol ver='4'/>
  </source>
  <target>
    <path>/mnt/nfs</path>
  </target>
</pool>",
        &format!(
            "<pool type='netfs'>
  <name>nfs</name>
  <uuid>1c9d1a0e-2b3f-4c5d-8e9f-0a1b2c3d4e5f</uuid>
{SIZES}  <source>
    <host name='nfs.example.com'/>
    <dir path='/exports/vm'/>
    <format type='nfs'/>
    <protocol ver='4'/>
  </source>
  <target>
    <path>/mnt/nfs</path>
  </target>
</pool>
"
        ),
    );
}

#[test]
fn fs_and_rbd_pools() {
    pool_round_trip(
        "<pool type='fs'><name>fs</name><uuid>1c9d1a0e-2b3f-4c5d-8e9f-0a1b2c3d4e50</uuid>\
         <source><device path='/dev/sdd1'/></source><target><path>/mnt/fs</path></target></pool>",
        &format!(
            "<pool type='fs'>
  <name>fs</name>
  <uuid>1c9d1a0e-2b3f-4c5d-8e9f-0a1b2c3d4e50</uuid>
{SIZES}  <source>
    <device path='/dev/sdd1'/>
    <format type='auto'/>
  </source>
  <target>
    <path>/mnt/fs</path>
  </target>
</pool>
"
        ),
    );
    pool_round_trip(
        "<pool type='rbd'><name>ceph</name><uuid>1c9d1a0e-2b3f-4c5d-8e9f-0a1b2c3d4e51</uuid>\
         <source><name>rbdpool</name><host name='mon1' port='6789'/>\
         <auth username='libvirt' type='ceph'>\
         <secret uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/></auth></source></pool>",
        &format!(
            "<pool type='rbd'>
  <name>ceph</name>
  <uuid>1c9d1a0e-2b3f-4c5d-8e9f-0a1b2c3d4e51</uuid>
{SIZES}  <source>
    <host name='mon1' port='6789'/>
    <name>rbdpool</name>
    <auth type='ceph' username='libvirt'>
      <secret uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/>
    </auth>
  </source>
</pool>
"
        ),
    );
}

#[test]
fn pool_errors_are_libvirts() {
    assert_eq!(
        pool_err("<pool type='dir'><target><path>/x</path></target></pool>"),
        "XML error: missing pool source name element"
    );
    assert_eq!(
        pool_err("<pool type='floppy'><name>x</name></pool>"),
        "XML error: Invalid value for attribute 'type' in element 'pool': 'floppy'."
    );
    assert_eq!(
        pool_err("<pool><name>x</name></pool>"),
        "XML error: Missing required attribute 'type' in element 'pool'"
    );
    assert_eq!(
        pool_err("<pool type='dir'><name>x</name></pool>"),
        "XML error: missing storage pool target path"
    );
    assert_eq!(
        pool_err("<pool type='dir'><name>a/b</name><target><path>/x</path></target></pool>"),
        "XML error: name a/b cannot contain '/'"
    );
    assert_eq!(
        pool_err("<pool type='dir'><name>x</name><uuid>nope</uuid><target><path>/x</path></target></pool>"),
        "XML error: malformed uuid element"
    );
    assert_eq!(
        pool_err("<pool type='netfs'><name>x</name><source><dir path='/e'/></source><target><path>/x</path></target></pool>"),
        "XML error: missing storage pool source host name"
    );
    assert_eq!(
        pool_err("<pool type='netfs'><name>x</name><source><host name='h'/></source><target><path>/x</path></target></pool>"),
        "XML error: missing storage pool source path"
    );
    assert_eq!(
        pool_err("<pool type='fs'><name>x</name><target><path>/x</path></target></pool>"),
        "XML error: missing storage pool source device name"
    );
    assert_eq!(
        pool_err("<pool type='fs'><name>x</name><source><device path='/d'/><format type='ntfs5'/></source><target><path>/x</path></target></pool>"),
        "unsupported configuration: unknown pool format type ntfs5"
    );
    assert_eq!(
        pool_err("<pool type='iscsi'><name>x</name><source><host name='h'/><device path='d'/><auth username='u'><secret usage='s'/></auth></source><target><path>/x</path></target></pool>"),
        "unsupported configuration: storage pool missing auth type"
    );
    assert_eq!(
        pool_err("<pool type='rbd'><name>x</name><source><host name='h'/></source></pool>"),
        "XML error: element 'name' is mandatory for RBD pool"
    );
    assert_eq!(
        pool_err("<pool type='dir'><name>x</name><target><path>/x</path><permissions><mode>0999</mode></permissions></target></pool>"),
        "XML error: malformed octal mode"
    );
    assert_eq!(
        pool_err("<volume/>"),
        "XML error: unexpected root element <volume>, expecting <pool>"
    );
    assert!(parse_storage_pool_with(
        "<pool type='dir' bogus='1'><name>x</name><target><path>/x</path></target></pool>",
        true
    )
    .unwrap_err()
    .to_string()
    .starts_with("XML document failed to validate against schema"));
}

#[test]
fn raw_volume_in_a_dir_pool() {
    vol_round_trip(
        "<volume>
  <name>disk1.img</name>
  <capacity unit='G'>10</capacity>
  <allocation>0</allocation>
  <target>
    <format type='raw'/>
    <permissions><mode>0600</mode><owner>107</owner><group>107</group></permissions>
  </target>
</volume>",
        PoolType::Dir,
        "<volume type='file'>
  <name>disk1.img</name>
  <capacity unit='bytes'>10737418240</capacity>
  <allocation unit='bytes'>0</allocation>
  <target>
    <format type='raw'/>
    <permissions>
      <mode>0600</mode>
      <owner>107</owner>
      <group>107</group>
    </permissions>
  </target>
</volume>
",
    );
}

#[test]
fn qcow2_volume_with_a_backing_store() {
    vol_round_trip(
        "<volume type='file'>
  <name>overlay.qcow2</name>
  <key>/var/lib/libvirt/images/overlay.qcow2</key>
  <capacity unit='MiB'>20480</capacity>
  <target>
    <path>/var/lib/libvirt/images/overlay.qcow2</path>
    <format type='qcow2'/>
    <compat>1.1</compat>
  </target>
  <backingStore>
    <path>/var/lib/libvirt/images/base.qcow2</path>
    <format type='qcow2'/>
  </backingStore>
</volume>",
        PoolType::Dir,
        "<volume type='file'>
  <name>overlay.qcow2</name>
  <key>/var/lib/libvirt/images/overlay.qcow2</key>
  <capacity unit='bytes'>21474836480</capacity>
  <allocation unit='bytes'>21474836480</allocation>
  <target>
    <path>/var/lib/libvirt/images/overlay.qcow2</path>
    <format type='qcow2'/>
    <compat>1.1</compat>
  </target>
  <backingStore>
    <path>/var/lib/libvirt/images/base.qcow2</path>
    <format type='qcow2'/>
  </backingStore>
</volume>
",
    );
}

#[test]
fn logical_volumes_have_no_format() {
    vol_round_trip(
        "<volume><name>lv1</name><capacity>1048576</capacity></volume>",
        PoolType::Logical,
        "<volume type='file'>
  <name>lv1</name>
  <capacity unit='bytes'>1048576</capacity>
  <allocation unit='bytes'>1048576</allocation>
  <target>
  </target>
</volume>
",
    );
}

#[test]
fn volume_errors_are_libvirts() {
    assert_eq!(
        vol_err("<volume><capacity>1</capacity></volume>"),
        "XML error: missing volume name element"
    );
    assert_eq!(
        vol_err("<volume><name>v</name></volume>"),
        "XML error: missing capacity element"
    );
    assert_eq!(
        vol_err("<volume><name>v</name><capacity>lots</capacity></volume>"),
        "XML error: malformed capacity element"
    );
    assert_eq!(
        vol_err("<volume><name>v</name><capacity unit='parsecs'>1</capacity></volume>"),
        "invalid argument: unknown suffix 'parsecs'"
    );
    assert_eq!(
        vol_err("<volume><name>v</name><capacity unit='EiB'>9</capacity></volume>"),
        "numerical overflow: value too large: 9EiB"
    );
    assert_eq!(
        vol_err("<volume type='tape'><name>v</name><capacity>1</capacity></volume>"),
        "unsupported configuration: unknown volume type 'tape'"
    );
    assert_eq!(
        vol_err("<volume><name>v</name><capacity>1</capacity><target><format type='qcow9'/></target></volume>"),
        "unsupported configuration: unknown volume format type qcow9"
    );
    assert_eq!(
        vol_err("<volume><name>v</name><capacity>1</capacity><target><format type='none'/></target></volume>"),
        "unsupported configuration: unknown volume format type none"
    );
    assert_eq!(
        vol_err("<volume><name>v</name><capacity>1</capacity><target><compat>x</compat></target></volume>"),
        "XML error: forbidden characters in 'compat' attribute"
    );
    assert_eq!(
        vol_err("<pool/>"),
        "XML error: unexpected root element <pool>, expecting <volume>"
    );
}

/// Documents for the robustness checks: one of each shape above.
const FIXTURES: &[&str] = &[
    "<pool type='iscsi'><name>san</name><uuid>6b2ad2a3-1f0e-4a71-8d2c-5b7c2d90f0e1</uuid>\
     <source><host name='h' port='3260'/><device path='iqn.x:p'/><initiator><iqn name='iqn.y:c'/>\
     </initiator><auth type='chap' username='u'><secret usage='s'/></auth></source>\
     <target><path>/dev/disk/by-path</path><permissions><mode>0755</mode><owner>1</owner>\
     <group>2</group><label>l</label></permissions></target></pool>",
    "<pool type='netfs'><name>nfs</name><source><host name='n'/><dir path='/e'/>\
     <format type='nfs'/><protocol ver='4'/><vendor name='v'/><product name='p'/></source>\
     <target><path>/mnt/nfs</path></target><refresh><volume allocation='capacity'/></refresh></pool>",
    "<pool type='scsi'><name>fc</name><source><adapter type='fc_host' parent='scsi_host1' \
     managed='yes' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/></source>\
     <target><path>/dev/disk/by-path</path></target></pool>",
    "<pool type='dir'><name>d</name><features><cow state='no'/></features>\
     <target><path>/d</path></target></pool>",
    "<volume type='file'><name>o.qcow2</name><key>/k</key><capacity unit='G'>1</capacity>\
     <allocation unit='M'>5</allocation><target><path>/o</path><format type='qcow2'/>\
     <permissions><mode>0600</mode></permissions><compat>1.1</compat></target>\
     <backingStore><path>/b</path><format type='raw'/></backingStore></volume>",
];

/// Parses `text` as a pool and as a volume of several pool types; what parses must
/// format into a document that parses again.
fn exercise(text: &str) {
    if let Ok(def) = parse_storage_pool(text) {
        let out = format_storage_pool(&def);
        parse_storage_pool(&out).unwrap_or_else(|e| panic!("own pool output refused: {e}\n{out}"));
    }
    for t in [PoolType::Dir, PoolType::Disk, PoolType::Logical] {
        if let Ok(def) = parse_storage_vol(text, t) {
            let out = format_storage_vol(&def);
            parse_storage_vol(&out, t)
                .unwrap_or_else(|e| panic!("own volume output refused: {e}\n{out}"));
        }
    }
}

#[test]
fn no_input_panics_the_storage_parsers() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    let pieces = [
        "<",
        ">",
        "/",
        "'",
        "=",
        "-1",
        "0",
        "99999999999999999999",
        "&amp;",
        "\u{1}",
        "name",
        "type='x'",
        "<name>",
        "</name>",
        "unit='EiB'",
        "<source/>",
        "é",
    ];
    for f in FIXTURES {
        exercise(f);
        for end in f.char_indices().map(|(i, _)| i) {
            exercise(&f[..end]);
        }
        for _ in 0..400 {
            let mut s = f.to_string();
            for _ in 0..1 + next() % 3 {
                let mut at = next() % (s.len() + 1);
                while !s.is_char_boundary(at) {
                    at -= 1;
                }
                let mut to = (at + next() % 8).min(s.len());
                while !s.is_char_boundary(to) {
                    to -= 1;
                }
                s.replace_range(at..to, pieces[next() % pieces.len()]);
            }
            exercise(&s);
        }
    }
}

#[test]
fn luks_qcow2_volume_with_backing_store_cluster_size_and_features() {
    vol_round_trip(
        "<volume type='file'>
  <name>secure.qcow2</name>
  <capacity unit='GiB'>10</capacity>
  <allocation>0</allocation>
  <target>
    <path>/var/lib/libvirt/images/secure.qcow2</path>
    <format type='qcow2'/>
    <permissions><mode>0600</mode></permissions>
    <encryption format='luks'>
      <secret type='passphrase' uuid='f981c5a4-4d53-47c0-b59e-d7ee36a7a2a1'/>
      <cipher name='aes' size='256' mode='xts' hash='sha256'/>
      <ivgen name='plain64' hash='sha256'/>
    </encryption>
    <clusterSize unit='KiB'>64</clusterSize>
    <features><lazy_refcounts/></features>
  </target>
  <backingStore>
    <path>/var/lib/libvirt/images/base.qcow2</path>
    <format type='qcow2'/>
  </backingStore>
</volume>",
        PoolType::Dir,
        "<volume type='file'>
  <name>secure.qcow2</name>
  <capacity unit='bytes'>10737418240</capacity>
  <allocation unit='bytes'>0</allocation>
  <target>
    <path>/var/lib/libvirt/images/secure.qcow2</path>
    <format type='qcow2'/>
    <permissions>
      <mode>0600</mode>
    </permissions>
    <encryption format='luks'>
      <secret type='passphrase' uuid='f981c5a4-4d53-47c0-b59e-d7ee36a7a2a1'/>
      <cipher name='aes' size='256' mode='xts' hash='sha256'/>
      <ivgen name='plain64' hash='sha256'/>
    </encryption>
    <compat>1.1</compat>
    <clusterSize unit='B'>65536</clusterSize>
    <features>
      <lazy_refcounts/>
    </features>
  </target>
  <backingStore>
    <path>/var/lib/libvirt/images/base.qcow2</path>
    <format type='qcow2'/>
  </backingStore>
</volume>
",
    );
    // <nocow/> is read and kept, and, as in libvirt, never printed.
    let def = parse_storage_vol(
        "<volume><name>v</name><capacity>1</capacity><target><nocow/><features/><compat>0.10</compat></target></volume>",
        PoolType::Dir,
    )
    .unwrap();
    assert!(def.target.nocow);
    assert_eq!(def.target.features.as_deref(), Some(&[][..]));
    assert_eq!(def.target.compat.as_deref(), Some("0.10"));
    let out = format_storage_vol(&def);
    assert!(
        out.contains("<compat>0.10</compat>\n    <features/>\n"),
        "{out}"
    );
    assert!(!out.contains("nocow"), "{out}");
}

#[test]
fn encryption_engines_usage_secrets_and_non_luks_ciphers() {
    vol_round_trip(
        "<volume><name>v</name><capacity>1</capacity><target>\
         <encryption format='qcow' engine='qemu'><secret type='passphrase' usage='vol-v'/>\
         <cipher name='aes' size='128'/></encryption></target></volume>",
        PoolType::Dir,
        "<volume type='file'>
  <name>v</name>
  <capacity unit='bytes'>1</capacity>
  <allocation unit='bytes'>1</allocation>
  <target>
    <format type='raw'/>
    <encryption format='qcow' engine='qemu'>
      <secret type='passphrase' usage='vol-v'/>
    </encryption>
  </target>
</volume>
",
    );
}

#[test]
fn volume_target_errors_are_libvirts() {
    let target = |t: &str| {
        vol_err(&format!(
            "<volume><name>v</name><capacity>1</capacity><target>{t}</target></volume>"
        ))
    };
    let cases = [
        ("<encryption/>", "XML error: unknown volume encryption format"),
        ("<encryption format='rot13'/>", "unsupported configuration: unknown volume encryption format type rot13"),
        ("<encryption format='luks' engine='default'/>", "XML error: Invalid value for attribute 'engine' in element 'encryption': 'default'."),
        ("<encryption format='luks'><secret uuid='f981c5a4-4d53-47c0-b59e-d7ee36a7a2a1'/></encryption>", "XML error: unknown volume encryption secret type"),
        ("<encryption format='luks'><secret type='key' uuid='f981c5a4-4d53-47c0-b59e-d7ee36a7a2a1'/></encryption>", "unsupported configuration: unknown volume encryption secret type key"),
        ("<encryption format='luks'><secret type='passphrase'/></encryption>", "XML error: missing secret uuid or usage attribute"),
        ("<encryption format='luks'><secret type='passphrase' uuid='f981c5a4-4d53-47c0-b59e-d7ee36a7a2a1' usage='u'/></encryption>", "XML error: either secret uuid or usage expected"),
        ("<encryption format='luks'><secret type='passphrase' uuid='nope'/></encryption>", "XML error: invalid secret uuid 'nope'"),
        ("<encryption format='luks'><cipher size='256'/></encryption>", "XML error: cipher info missing 'name' attribute"),
        ("<encryption format='luks'><cipher name='aes'/></encryption>", "XML error: Missing required attribute 'size' in element 'cipher'"),
        ("<encryption format='luks'><cipher name='aes' size='big'/></encryption>", "XML error: Invalid value for attribute 'size' in element 'cipher': 'big'. Expected non-negative integer value"),
        ("<encryption format='luks'><ivgen name='plain64'/></encryption>", "XML error: ivgen element found, but cipher is missing"),
        ("<encryption format='luks'><cipher name='aes' size='256'/><ivgen/></encryption>", "XML error: missing ivgen info name string"),
        ("<clusterSize>lots</clusterSize>", "XML error: could not parse element ./target/clusterSize"),
        ("<clusterSize unit='furlong'>1</clusterSize>", "invalid argument: unknown suffix 'furlong'"),
        ("<features><lazy_refcounts/><zero_copy/></features>", "unsupported configuration: unsupported feature zero_copy"),
    ];
    for (t, expected) in cases {
        assert_eq!(target(t), expected, "{t}");
    }
}

#[test]
fn pool_auth_and_adapter_errors_follow_storage_source_and_adapter_conf() {
    let iscsi = |auth: &str| {
        pool_err(&format!(
            "<pool type='iscsi'><name>x</name><source><host name='h'/><device path='d'/>{auth}</source><target><path>/x</path></target></pool>"
        ))
    };
    let scsi = |adapter: &str| {
        pool_err(&format!(
            "<pool type='scsi'><name>x</name><source>{adapter}</source><target><path>/x</path></target></pool>"
        ))
    };
    let cases = [
        (iscsi("<auth type='chap'><secret usage='s'/></auth>"), "XML error: missing username for auth"),
        (iscsi("<auth type='kerberos' username='u'><secret usage='s'/></auth>"), "unsupported configuration: unknown auth type 'kerberos'"),
        (iscsi("<auth username='u'/>"), "XML error: Missing <secret> element in auth"),
        (iscsi("<auth type='chap' username='u'><secret/></auth>"), "XML error: missing secret uuid or usage attribute"),
        (iscsi("<auth type='chap' username='u'><secret uuid='f981c5a4-4d53-47c0-b59e-d7ee36a7a2a1' usage='s'/></auth>"), "XML error: either secret uuid or usage expected"),
        (iscsi("<auth type='chap' username='u'><secret uuid='x'/></auth>"), "XML error: invalid secret uuid 'x'"),
        (iscsi("<auth username='u'><secret uuid='x'/></auth>"), "XML error: invalid secret uuid 'x'"),
        (scsi("<adapter type='pci'/>"), "XML error: Invalid value for attribute 'type' in element 'adapter': 'pci'."),
        (scsi("<adapter wwnn='2001001b32a9da4e'/>"), "XML error: Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of the adapter 'type'"),
        (scsi("<adapter/>"), "XML error: missing storage pool source adapter"),
        (scsi(""), "XML error: missing storage pool source adapter"),
        (scsi("<adapter type='scsi_host'/>"), "XML error: Either 'name' or 'parent' must be specified for the 'scsi_host' adapter"),
        (scsi("<adapter type='fc_host' wwnn='2001001b32a9da4e'/>"), "XML error: 'wwnn' and 'wwpn' must be specified for adapter type 'fchost'"),
        (scsi("<adapter type='fc_host' wwnn='2001001b32a9da4e' wwpn='xyz'/>"), "XML error: Malformed wwn: xyz"),
        (scsi("<adapter type='fc_host' wwnn='2001001b32a9da4e' wwpn='2101001b32a9da4e' parent_wwnn='2000000000000001'/>"), "XML error: when providing parent_wwnn='2000000000000001', the parent_wwpn must also be provided"),
    ];
    for (got, expected) in cases {
        assert_eq!(got, expected);
    }
}

#[test]
fn fc_host_adapter_keeps_its_parent_wwns_in_libvirts_order() {
    let def = pool_round_trip(
        "<pool type='scsi'><name>vhba</name><uuid>3e3fce45-4f53-4fa7-bb32-11f34168b82b</uuid><source>\
         <adapter type='fc_host' wwpn='2101001b32a9da4e' wwnn='2001001b32a9da4e' managed='yes' \
         parent_wwnn='2000000000000001' parent_wwpn='2100000000000001' parent_fabric_wwn='0x2000000000000002'/>\
         </source><target><path>/dev/disk/by-path</path></target></pool>",
        &format!(
            "<pool type='scsi'>
  <name>vhba</name>
  <uuid>3e3fce45-4f53-4fa7-bb32-11f34168b82b</uuid>
{SIZES}  <source>
    <adapter type='fc_host' parent_wwnn='2000000000000001' parent_wwpn='2100000000000001' parent_fabric_wwn='0x2000000000000002' managed='yes' wwnn='2001001b32a9da4e' wwpn='2101001b32a9da4e'/>
  </source>
  <target>
    <path>/dev/disk/by-path</path>
  </target>
</pool>
"
        ),
    );
    assert_eq!(
        def.source.adapter.unwrap().parent_fabric_wwn.as_deref(),
        Some("0x2000000000000002")
    );
}
