package probe

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
)

// The hand-written ClientHello: what crypto/tls cannot offer. Go's client
// has no SSL 3.0 and none of the NULL, export, anonymous, DES, IDEA, SEED,
// CAMELLIA or finite-field DHE suites; a server's ServerHello to a hello
// that offers them is enough to know it accepts them (the handshake is
// not continued: the probe closes the connection after the ServerHello).

const versionSSL30 uint16 = 0x0300

// helloAnswer is how a server answered a raw ClientHello.
type helloAnswer struct {
	accepted bool
	version  uint16 // the ServerHello's version
	suite    uint16 // the ServerHello's cipher suite
	alert    byte   // the alert description, when refused with one
	why      string // refused: what came back instead
}

// clientHello builds a ClientHello record offering version (the highest
// version, as SSL 3.0 to TLS 1.2 clients did: no supported_versions
// extension) and suites, with the extensions an ECDHE suite needs.
func clientHello(version uint16, suites []uint16, serverName string) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint16(b, version)
	random := make([]byte, 32)
	_, _ = rand.Read(random)
	b = append(b, random...)
	b = append(b, 0)                                     // no session id
	all := append(append([]uint16{}, suites...), 0x00FF) // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
	b = binary.BigEndian.AppendUint16(b, uint16(2*len(all)))
	for _, s := range all {
		b = binary.BigEndian.AppendUint16(b, s)
	}
	b = append(b, 1, 0) // null compression
	if version > versionSSL30 {
		var ext []byte
		addExt := func(typ uint16, data []byte) {
			ext = binary.BigEndian.AppendUint16(ext, typ)
			ext = binary.BigEndian.AppendUint16(ext, uint16(len(data)))
			ext = append(ext, data...)
		}
		if serverName != "" && net.ParseIP(serverName) == nil {
			name := []byte(serverName)
			var d []byte
			d = binary.BigEndian.AppendUint16(d, uint16(len(name)+3))
			d = append(d, 0)
			d = binary.BigEndian.AppendUint16(d, uint16(len(name)))
			addExt(0, append(d, name...)) // server_name
		}
		groups := []uint16{29, 23, 24, 25} // x25519, secp256r1, secp384r1, secp521r1
		var g []byte
		g = binary.BigEndian.AppendUint16(g, uint16(2*len(groups)))
		for _, x := range groups {
			g = binary.BigEndian.AppendUint16(g, x)
		}
		addExt(10, g)            // supported_groups
		addExt(11, []byte{1, 0}) // ec_point_formats: uncompressed
		if version >= 0x0303 {
			algs := []uint16{0x0804, 0x0403, 0x0401, 0x0805, 0x0503, 0x0501, 0x0806, 0x0603, 0x0601, 0x0201, 0x0203}
			var a []byte
			a = binary.BigEndian.AppendUint16(a, uint16(2*len(algs)))
			for _, x := range algs {
				a = binary.BigEndian.AppendUint16(a, x)
			}
			addExt(13, a) // signature_algorithms
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(ext)))
		b = append(b, ext...)
	}
	msg := append([]byte{1, byte(len(b) >> 16), byte(len(b) >> 8), byte(len(b))}, b...)
	recVersion := min(version, 0x0301)
	rec := []byte{22, byte(recVersion >> 8), byte(recVersion)}
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(msg)))
	return append(rec, msg...)
}

// alertNames are the alerts a refusal usually carries.
var alertNames = map[byte]string{
	10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed", 22: "record_overflow", 40: "handshake_failure",
	47: "illegal_parameter", 50: "decode_error", 51: "decrypt_error", 70: "protocol_version", 71: "insufficient_security",
	80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled", 109: "missing_extension", 112: "unrecognized_name",
}

func alertName(d byte) string {
	if n, ok := alertNames[d]; ok {
		return fmt.Sprintf("alert %s (%d)", n, d)
	}
	return fmt.Sprintf("alert %d", d)
}

// readServerHello reads the server's answer to a raw ClientHello: a
// ServerHello (accepted), an alert or a closed connection (refused), or an
// error (timeout, something that is not TLS).
func readServerHello(r io.Reader) (helloAnswer, error) {
	var hs []byte
	for rec := 0; rec < 8; rec++ {
		var hdr [5]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if closedByPeer(err) {
				return helloAnswer{why: "the server closed the connection"}, nil
			}
			return helloAnswer{}, err
		}
		size := int(binary.BigEndian.Uint16(hdr[3:5]))
		if size > 16384+2048 {
			return helloAnswer{}, fmt.Errorf("not a TLS answer (record length %d)", size)
		}
		body := make([]byte, size)
		if _, err := io.ReadFull(r, body); err != nil {
			if closedByPeer(err) {
				return helloAnswer{why: "the server closed the connection"}, nil
			}
			return helloAnswer{}, err
		}
		switch hdr[0] {
		case 21: // alert
			if len(body) >= 2 {
				return helloAnswer{alert: body[1], why: alertName(body[1])}, nil
			}
			return helloAnswer{why: "a malformed alert"}, nil
		case 22: // handshake
			hs = append(hs, body...)
		default:
			return helloAnswer{}, fmt.Errorf("not a TLS answer (record type %d)", hdr[0])
		}
		if len(hs) < 4 {
			continue
		}
		if hs[0] != 2 {
			return helloAnswer{}, fmt.Errorf("expected a ServerHello, got handshake message %d", hs[0])
		}
		want := 4 + (int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3]))
		if len(hs) < want {
			continue
		}
		m := hs[4:want]
		if len(m) < 35 {
			return helloAnswer{}, errors.New("malformed ServerHello")
		}
		a := helloAnswer{accepted: true, version: binary.BigEndian.Uint16(m[:2])}
		sid := int(m[34])
		if len(m) < 35+sid+2 {
			return helloAnswer{}, errors.New("malformed ServerHello")
		}
		a.suite = binary.BigEndian.Uint16(m[35+sid:])
		return a, nil
	}
	return helloAnswer{}, errors.New("no ServerHello in the first 8 records")
}
