package natstls

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kneescreen/kneescreen/internal/atomicfile"
)

// File names in the data folder.
const (
	// CAFile is the CA certificate, the one file workers need.
	CAFile = "nats-ca.pem"
	// CAKeyFile is the CA's private key; it never leaves the server.
	CAKeyFile = "nats-ca-key.pem"
	// CertFile is the server certificate (re-issued as names are added).
	CertFile = "nats-server.pem"
	// KeyFile is the server certificate's private key.
	KeyFile = "nats-server-key.pem"
)

// Validity of what Ensure makes. The CA is copied to every worker, so it
// lives long; the server certificate is re-issued at a start within
// renewBefore of its end, so a server restarted now and then never serves
// an expired one.
const (
	caValidity   = 20 * 365 * 24 * time.Hour
	certValidity = 2 * 365 * 24 * time.Hour
	renewBefore  = 60 * 24 * time.Hour
	// backdate covers clocks a little behind the server's.
	backdate = time.Hour
)

// Files are where Ensure keeps the CA and the server certificate.
type Files struct {
	CA, CAKey, Cert, Key string
}

// In names the files in dir.
func In(dir string) Files {
	return Files{CA: filepath.Join(dir, CAFile), CAKey: filepath.Join(dir, CAKeyFile),
		Cert: filepath.Join(dir, CertFile), Key: filepath.Join(dir, KeyFile)}
}

// Made says what Ensure made this time.
type Made struct {
	// CA is set when the CA was made (workers need the new nats-ca.pem).
	CA bool
	// Cert is set when the server certificate was (re-)issued.
	Cert bool
	// Names are the names and addresses the server certificate covers.
	Names []string
}

// CheckName checks a name given for the certificate (--nats-tls-name):
// a host name, a *.domain wildcard, or an IP address.
func CheckName(name string) error {
	if net.ParseIP(name) != nil {
		return nil
	}
	n := strings.TrimPrefix(name, "*.")
	ok := n != "" && len(n) <= 253 && !strings.HasPrefix(n, ".") && !strings.HasSuffix(n, ".") && !strings.Contains(n, "..")
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("natstls: %q is not a host name or IP address (want e.g. server.clinic.lan or 192.168.1.10, no scheme or port)", name)
	}
	return nil
}

// Names are what the self-made certificate covers: localhost and the
// loopback addresses, this machine's host name and interface addresses
// (link-local ones excepted: they need a zone a certificate cannot name),
// the listen host unless it is a wildcard, and extra.
func Names(listenHost string, extra []string) []string {
	names := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && CheckName(h) == nil {
		names = append(names, h)
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLinkLocalUnicast() && !n.IP.IsUnspecified() && !n.IP.IsMulticast() {
				names = append(names, n.IP.String())
			}
		}
	}
	if ip := net.ParseIP(listenHost); listenHost != "" && (ip == nil || !ip.IsUnspecified()) {
		names = append(names, listenHost)
	}
	return normalize(append(names, extra...))
}

// normalize lower-cases host names, writes IPs canonically, sorts and
// drops duplicates.
func normalize(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			n = ip.String()
		} else {
			n = strings.ToLower(n)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Ensure makes or reuses the CA and the server certificate in dir so that
// the certificate covers names (see the package doc). It never overwrites
// a key.
func Ensure(dir string, names []string, now time.Time) (Made, error) {
	f := In(dir)
	var made Made
	caCert, caKey, err := loadCA(f, now)
	if errors.Is(err, fs.ErrNotExist) {
		caCert, caKey, err = makeCA(f, now)
		made.CA = true
	}
	if err != nil {
		return made, err
	}
	key, err := loadOrMakeKey(f.Key)
	if err != nil {
		return made, err
	}
	want := normalize(names)
	old, why := checkCert(f.Cert, caCert, key, want, now)
	if why == "" {
		made.Names = certNames(old)
		return made, nil
	}
	if old != nil {
		// Keep what the old certificate covered: a worker that
		// reached the server by one of those names still can.
		want = normalize(append(want, certNames(old)...))
	}
	if err := issue(f.Cert, caCert, caKey, key, want, now); err != nil {
		return made, err
	}
	made.Cert, made.Names = true, want
	return made, nil
}

// loadCA reads the CA; fs.ErrNotExist when neither file is there.
func loadCA(f Files, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	_, errCert := os.Stat(f.CA)
	_, errKey := os.Stat(f.CAKey)
	switch {
	case errors.Is(errCert, fs.ErrNotExist) && errors.Is(errKey, fs.ErrNotExist):
		return nil, nil, fs.ErrNotExist
	case errors.Is(errCert, fs.ErrNotExist) || errors.Is(errKey, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("natstls: %s and %s go together and one is missing: restore it, or move the other away to make a new CA (then copy the new %s to every worker)", f.CA, f.CAKey, CAFile)
	}
	cert, err := readCert(f.CA)
	if err != nil {
		return nil, nil, err
	}
	key, err := readKey(f.CAKey)
	if err != nil {
		return nil, nil, err
	}
	if !samePublicKey(cert.PublicKey, key.Public()) {
		return nil, nil, fmt.Errorf("natstls: %s is not the key of %s: restore the pair, or move both away to make a new CA", f.CAKey, f.CA)
	}
	if !cert.IsCA {
		return nil, nil, fmt.Errorf("natstls: %s is not a CA certificate", f.CA)
	}
	if now.After(cert.NotAfter) {
		return nil, nil, fmt.Errorf("natstls: the CA %s expired on %s: move %s, %s and %s away to make new ones, then copy the new %s to every worker",
			f.CA, cert.NotAfter.Format(time.DateOnly), CAFile, CAKeyFile, CertFile, CAFile)
	}
	return cert, key, nil
}

func makeCA(f Files, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	key, err := newKeyFile(f.CAKey)
	if err != nil {
		return nil, nil, err
	}
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{"kneescreen"}, CommonName: "kneescreen NATS CA " + host},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId:          keyID(key.Public()),
	}
	der, err := sign(tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	if err := writeCert(f.CA, der); err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("natstls: CA: %w", err)
	}
	return cert, key, nil
}

// checkCert says why the certificate at path must be (re-)issued ("": it
// is fine), returning it when it could be read.
func checkCert(path string, ca *x509.Certificate, key crypto.Signer, want []string, now time.Time) (*x509.Certificate, string) {
	cert, err := readCert(path)
	if err != nil {
		return nil, err.Error()
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		return cert, "not valid under the CA: " + err.Error()
	}
	if !samePublicKey(cert.PublicKey, key.Public()) {
		return cert, "not for the server key"
	}
	if cert.NotAfter.Sub(now) < renewBefore && cert.NotAfter.Before(ca.NotAfter) {
		return cert, "near its end"
	}
	have := certNames(cert)
	for _, n := range want {
		if _, ok := slices.BinarySearch(have, n); !ok {
			return cert, "does not name " + n
		}
	}
	return cert, ""
}

func certNames(c *x509.Certificate) []string {
	names := slices.Clone(c.DNSNames)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	return normalize(names)
}

func issue(path string, ca *x509.Certificate, caKey crypto.Signer, key crypto.Signer, names []string, now time.Time) error {
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		Subject:        pkix.Name{Organization: []string{"kneescreen"}, CommonName: "kneescreen NATS " + host},
		NotBefore:      now.Add(-backdate),
		NotAfter:       now.Add(certValidity),
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		SubjectKeyId:   keyID(key.Public()),
		AuthorityKeyId: ca.SubjectKeyId,
	}
	if tmpl.NotAfter.After(ca.NotAfter) {
		tmpl.NotAfter = ca.NotAfter
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := sign(tmpl, ca, key.Public(), caKey)
	if err != nil {
		return err
	}
	return writeCert(path, der)
}

func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("natstls: serial number: %w", err)
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("natstls: sign %q: %w", tmpl.Subject.CommonName, err)
	}
	return der, nil
}

// keyID is the SHA-256 of the public key, truncated as RFC 7093 allows.
func keyID(pub crypto.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return sum[:20]
}

func samePublicKey(a, b crypto.PublicKey) bool {
	ka, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ka.Equal(b)
}

// loadOrMakeKey reads the server key, or makes it when there is none.
func loadOrMakeKey(path string) (crypto.Signer, error) {
	key, err := readKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newKeyFile(path)
	}
	return key, err
}

// newKeyFile makes an ECDSA P-256 key and writes it to path, mode 0600;
// an existing file is an error, never overwritten.
func newKeyFile(path string) (crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("natstls: key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("natstls: key: %w", err)
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("natstls: %w", err)
	}
	if err := pem.Encode(fh, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		fh.Close()
		os.Remove(path)
		return nil, fmt.Errorf("natstls: write %s: %w", path, err)
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		os.Remove(path)
		return nil, fmt.Errorf("natstls: write %s: %w", path, err)
	}
	if err := fh.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("natstls: write %s: %w", path, err)
	}
	return key, nil
}

// writeCert replaces path with the certificate atomically (a crash leaves
// the old one or the new one).
func writeCert(path string, der []byte) error {
	if err := atomicfile.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return fmt.Errorf("natstls: %w", err)
	}
	return nil
}

func readCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("natstls: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("natstls: %s holds no PEM certificate", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("natstls: %s: %w", path, err)
	}
	return c, nil
}

func readKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("natstls: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("natstls: %s holds no PEM key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("natstls: %s: %w", path, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("natstls: %s: not a signing key", path)
	}
	return s, nil
}

// CheckCAFile checks that file holds at least one PEM certificate, the
// way a client will read it as its trusted roots.
func CheckCAFile(file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("natstls: CA file: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return fmt.Errorf("natstls: CA file %s holds no PEM certificate (want the server's %s)", file, CAFile)
	}
	return nil
}

// Served is a server certificate that can be replaced while it is served:
// the TLS configuration Config returns asks it for the certificate at each
// handshake, and Reload swaps in what the files hold once they change. A
// server that runs for months then serves the certificate Ensure renews
// (renewBefore its end) or an operator's renewed one, without a restart;
// connections already open keep theirs.
type Served struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
	mu                sync.Mutex // serialises Reload
	stamp             [2]fileStamp
}

// fileStamp is what tells a file changed: its modification time and size.
type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{fi.ModTime(), fi.Size()}, nil
}

// Serve loads the certificate (chain) and key, PEM, to serve.
func Serve(certFile, keyFile string) (*Served, error) {
	s := &Served{certFile: certFile, keyFile: keyFile}
	if _, err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Config is a TLS server configuration (TLS 1.2 or later) serving s's
// current certificate.
func (s *Served) Config() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.cur.Load(), nil }}
}

// Certificate is the certificate being served.
func (s *Served) Certificate() *tls.Certificate { return s.cur.Load() }

// Reload loads the files again when either changed since they were last
// loaded, and reports whether the certificate served changed. A pair that
// does not load (a key that does not match, a file half-written by a
// renewal tool) is an error, and the certificate served stays as it was.
func (s *Served) Reload() (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st [2]fileStamp
	for i, p := range []string{s.certFile, s.keyFile} {
		var err error
		if st[i], err = stampOf(p); err != nil {
			return false, fmt.Errorf("natstls: %w", err)
		}
	}
	if s.cur.Load() != nil && st == s.stamp {
		return false, nil
	}
	cert, err := tls.LoadX509KeyPair(s.certFile, s.keyFile)
	if err != nil {
		return false, fmt.Errorf("natstls: certificate %s, key %s: %w", s.certFile, s.keyFile, err)
	}
	old := s.cur.Load()
	s.stamp = st
	if old != nil && len(old.Certificate) > 0 && len(cert.Certificate) > 0 && bytes.Equal(old.Certificate[0], cert.Certificate[0]) {
		return false, nil // touched, not changed
	}
	s.cur.Store(&cert)
	return old != nil, nil
}
