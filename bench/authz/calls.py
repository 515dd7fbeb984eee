# One client of bench/authz/run.sh: N calls on the test domain, on one connection ("same") or
# on a new connection each ("new"); prints calls/s, p50 and p90 latency.
# Usage: calls.py ADDRESS same|new N read|write
#   read:  GetState (domain.read);
#   write: Suspend and Resume in turn (domain.suspend; run it as root, who may).
import dbus, sys, time, statistics
addr, mode, n, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
path = '/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f'
def one(bus, i):
    domain = dbus.Interface(bus.get_object('org.libvirt', path, introspect=False), 'org.libvirt.Domain')
    if kind == 'read':
        domain.GetState(dbus.UInt32(0))
    elif i % 2 == 0:
        domain.Suspend()
    else:
        domain.Resume()
lat = []
if mode == 'same':
    bus = dbus.bus.BusConnection(addr)
    for i in range(50): one(bus, i)
    for i in range(n):
        s = time.perf_counter(); one(bus, i); lat.append(time.perf_counter() - s)
else:  # a new connection per call: every call is a new caller, nothing cached
    for i in range(n):
        bus = dbus.bus.BusConnection(addr)
        s = time.perf_counter(); one(bus, i); lat.append(time.perf_counter() - s)
        bus.close()
print(f"{kind:5} {mode:4} calls/s={n/sum(lat):6.0f} p50={statistics.median(lat)*1e6:6.0f}us p90={statistics.quantiles(lat, n=10)[8]*1e6:6.0f}us")
