package graph

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/kretslopp/kretslopp/collector/internal/config"
)

// newCredential builds the azidentity credential the configuration names.
func newCredential(cfg config.GraphConfig, co azcore.ClientOptions, disableDiscovery bool) (azcore.TokenCredential, error) {
	switch kind := cfg.CredentialKind(); kind {
	case config.CredentialCertificate:
		certs, key, err := loadCertificate(cfg)
		if err != nil {
			return nil, err
		}
		cred, err := azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: disableDiscovery})
		if err != nil {
			return nil, fmt.Errorf("graph client certificate credential: %w", err)
		}
		return cred, nil
	case config.CredentialSecret:
		secret := cfg.ClientSecret
		if secret == "" && cfg.ClientSecretFile != "" {
			b, err := os.ReadFile(cfg.ClientSecretFile)
			if err != nil {
				return nil, fmt.Errorf("graph client secret file: %w", err)
			}
			secret = strings.TrimSpace(string(b))
		}
		cred, err := azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, secret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: disableDiscovery})
		if err != nil {
			return nil, fmt.Errorf("graph client secret credential: %w", err)
		}
		return cred, nil
	case config.CredentialWorkloadIdentity:
		// The Kubernetes service account token is re-read by azidentity
		// as the kubelet rotates it.
		cred, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: co, TenantID: cfg.TenantID, ClientID: cfg.ClientID, TokenFilePath: cfg.FederatedTokenFile,
			DisableInstanceDiscovery: disableDiscovery,
		})
		if err != nil {
			return nil, fmt.Errorf("graph workload identity credential: %w", err)
		}
		return cred, nil
	case config.CredentialManagedIdentity:
		// The managed identity endpoint is the host's (IMDS, or the
		// IDENTITY_ENDPOINT App Service and Container Apps set): the
		// authority host plays no part.
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: azcore.ClientOptions{Transport: co.Transport}}
		if cfg.ClientID != "" {
			o.ID = azidentity.ClientID(cfg.ClientID)
		}
		cred, err := azidentity.NewManagedIdentityCredential(o)
		if err != nil {
			return nil, fmt.Errorf("graph managed identity credential: %w", err)
		}
		return cred, nil
	default:
		return nil, fmt.Errorf("graph: no credential configured (%q)", kind)
	}
}

// loadCertificate reads a PEM file (certificate and unencrypted key) or a
// PKCS#12 file with its password. azidentity.ParseCertificates reads PEM
// and legacy PKCS#12 (3DES, SHA-1 MAC); PKCS#12 as current OpenSSL and
// Windows write it (AES, SHA-256 MAC) is read with go-pkcs12.
func loadCertificate(cfg config.GraphConfig) ([]*x509.Certificate, crypto.PrivateKey, error) {
	data, err := os.ReadFile(cfg.ClientCertFile)
	if err != nil {
		return nil, nil, fmt.Errorf("graph client certificate: %w", err)
	}
	password := cfg.ClientCertPassword
	if password == "" && cfg.ClientCertPasswordFile != "" {
		b, err := os.ReadFile(cfg.ClientCertPasswordFile)
		if err != nil {
			return nil, nil, fmt.Errorf("graph client certificate password file: %w", err)
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	if bytes.Contains(data, []byte("-----BEGIN")) {
		if bytes.Contains(data, []byte("ENCRYPTED")) {
			return nil, nil, fmt.Errorf("graph client certificate %s: the PEM private key is encrypted; azidentity reads only unencrypted PEM keys, so use a PKCS#12 (.pfx) file with client_cert_password", cfg.ClientCertFile)
		}
		certs, key, err := azidentity.ParseCertificates(data, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("graph client certificate %s: %w", cfg.ClientCertFile, err)
		}
		return certs, key, nil
	}
	certs, key, err := azidentity.ParseCertificates(data, []byte(password))
	if err == nil {
		return certs, key, nil
	}
	k, leaf, chain, err2 := pkcs12.DecodeChain(data, password)
	if err2 != nil {
		if errors.Is(err2, pkcs12.ErrIncorrectPassword) {
			return nil, nil, fmt.Errorf("graph client certificate %s: wrong password (client_cert_password)", cfg.ClientCertFile)
		}
		return nil, nil, fmt.Errorf("graph client certificate %s: neither PEM nor PKCS#12: %w", cfg.ClientCertFile, errors.Join(err, err2))
	}
	return append([]*x509.Certificate{leaf}, chain...), k, nil
}
