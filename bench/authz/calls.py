# One client of bench/authz/run.sh: N GetState calls of the test domain, on one connection
# ("same") or on a new connection each ("new"); prints calls/s, p50 and p90 latency.
import dbus, sys, time, statistics
addr, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
path = '/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f'
def one(bus, member, args):
    obj = bus.get_object('org.libvirt', path, introspect=False)
    return getattr(dbus.Interface(obj, 'org.libvirt.Domain'), member)(*args)
lat = []
if mode == 'same':
    bus = dbus.bus.BusConnection(addr)
    for _ in range(50): one(bus, 'GetState', [dbus.UInt32(0)])
    t0 = time.perf_counter()
    for _ in range(n):
        s = time.perf_counter(); one(bus, 'GetState', [dbus.UInt32(0)]); lat.append(time.perf_counter() - s)
    total = time.perf_counter() - t0
else:  # a new connection per call: every call is a new caller, nothing cached
    t0 = time.perf_counter()
    for _ in range(n):
        bus = dbus.bus.BusConnection(addr)
        s = time.perf_counter(); one(bus, 'GetState', [dbus.UInt32(0)]); lat.append(time.perf_counter() - s)
        bus.close()
    total = time.perf_counter() - t0
print(f"{mode:5} calls/s={n/sum(lat):8.0f} p50={statistics.median(lat)*1e6:7.0f}us p90={statistics.quantiles(lat, n=10)[8]*1e6:7.0f}us")
