package probe

import (
	"crypto/tls"
	"fmt"
	"slices"
)

// suite is a TLS 1.0-1.2 cipher suite by code point and IANA name.
type suite struct {
	id   uint16
	name string
}

// legacySuites are the suites the weak-suite probe offers: every suite
// that is NULL, export-grade, anonymous, RC4, single DES, 3DES, IDEA,
// SEED, CBC with a SHA-1 MAC, or static-RSA key exchange. Each accepted
// one is recorded by name; assess decides how bad it is. Most of them
// crypto/tls does not implement: the probe offers them in a hand-written
// ClientHello and reads the ServerHello, which is enough to know the
// server accepts them.
var legacySuites = []suite{
	// NULL (no encryption)
	{0x0001, "TLS_RSA_WITH_NULL_MD5"},
	{0x0002, "TLS_RSA_WITH_NULL_SHA"},
	{0x003B, "TLS_RSA_WITH_NULL_SHA256"},
	{0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"},
	{0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA"},
	{0xC015, "TLS_ECDH_anon_WITH_NULL_SHA"},
	// export-grade
	{0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"},
	{0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"},
	{0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5"},
	{0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA"},
	{0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA"},
	// anonymous (no authentication)
	{0x0018, "TLS_DH_anon_WITH_RC4_128_MD5"},
	{0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA"},
	{0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA"},
	{0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA"},
	{0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA"},
	{0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"},
	{0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"},
	{0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"},
	// RC4
	{0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
	{0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
	{0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},
	{0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
	// single DES, IDEA, SEED
	{0x0009, "TLS_RSA_WITH_DES_CBC_SHA"},
	{0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA"},
	{0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA"},
	{0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA"},
	{0x0096, "TLS_RSA_WITH_SEED_CBC_SHA"},
	// 3DES (Sweet32)
	{0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"},
	{0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"},
	{0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
	// CBC with a SHA-1 MAC
	{0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"},
	{0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
	{0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"},
	{0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"},
	{0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
	{0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
	{0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
	{0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
	{0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
	{0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
	{0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"},
	{0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"},
	// static RSA key exchange (no forward secrecy), other MACs
	{0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
	{0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
	{0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
	{0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
}

// modernSuites are the TLS 1.2 suites offered next to the legacy ones
// when any suite will do (to learn whether a version is accepted at all).
var modernSuites = []suite{
	{0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
	{0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
	{0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
	{0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
	{0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
	{0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
	{0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
	{0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
	{0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
	{0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
	{0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
	{0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
	{0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
	{0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
}

func ids(list []suite) []uint16 {
	out := make([]uint16, len(list))
	for i, s := range list {
		out[i] = s.id
	}
	return out
}

// anySuite is every suite the probe knows (TLS 1.0-1.2).
func anySuite() []uint16 { return append(ids(modernSuites), ids(legacySuites)...) }

// goSuites are every TLS 1.0-1.2 suite crypto/tls implements, the
// insecure ones included: a client that lists them in
// Config.CipherSuites offers them (the GODEBUG settings tlsrsakex and
// tls3des only change the default list, which a non-nil list replaces).
func goSuites() []uint16 {
	var out []uint16
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, cs := range list {
			if slices.ContainsFunc(cs.SupportedVersions, func(v uint16) bool { return v <= tls.VersionTLS12 }) {
				out = append(out, cs.ID)
			}
		}
	}
	return out
}

// suiteName is the IANA name of a suite ("0x1234" when unknown).
func suiteName(id uint16) string {
	for _, list := range [][]suite{legacySuites, modernSuites} {
		for _, s := range list {
			if s.id == id {
				return s.name
			}
		}
	}
	if n := tls.CipherSuiteName(id); n != "" {
		return n
	}
	return fmt.Sprintf("0x%04X", id)
}
