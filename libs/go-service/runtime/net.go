package runtime

import (
	"net"
	"strconv"
)

// Listen listens on host:port. An IPv4 address binds IPv4 only and an IPv6
// one IPv6 only, so HOST=0.0.0.0 behaves (and reports its address) as it
// does for the Node programs; Go's "tcp" would bind both families and report [::].
func Listen(host string, port int) (net.Listener, error) {
	network := "tcp"
	if ip := net.ParseIP(host); ip != nil {
		if ip.To4() != nil {
			network = "tcp4"
		} else {
			network = "tcp6"
		}
	}
	return net.Listen(network, net.JoinHostPort(host, strconv.Itoa(port)))
}

// AddressString writes a TCP address as Node's `${address}:${port}` does: the
// IP without brackets, then the port (the tests read the port after the last colon).
func AddressString(addr *net.TCPAddr) string {
	return addr.IP.String() + ":" + strconv.Itoa(addr.Port)
}
