package mockserver

import (
	"crypto/x509"
	"fmt"
	"os"
)

// caPool is the system's trusted roots plus the PEM certificates of file, for a
// deployment or a Redis whose certificate a private CA signed. Verification stays on:
// this only adds whom to trust. what names the file in errors ("the upstream CA file").
func caPool(file, what string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s %s holds no PEM certificate", what, file)
	}
	return pool, nil
}
