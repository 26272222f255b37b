package graphsim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// FederatedCredential is a federated identity credential of the app
// registration (api-reference/v1.0/resources/federatedidentitycredential.md:
// issuer, subject, audiences, "api://AzureADTokenExchange" recommended):
// the token endpoint accepts a client assertion that this issuer signed for
// this subject and audience, as Microsoft Entra ID does for Kubernetes
// workload identity. Key is the issuer's public signing key (what Entra ID
// reads from the issuer's JWKS).
type FederatedCredential struct {
	Issuer, Subject, Audience string
	Key                       crypto.PublicKey
}

type assertionClaims struct {
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Aud json.RawMessage `json:"aud"`
	Exp int64           `json:"exp"`
}

func (c assertionClaims) audiences() []string {
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(c.Aud, &many)
	return many
}

// verifyAssertion checks a client assertion: a JWT the app signed with its
// certificate's key (iss and sub are the client id, as azidentity's
// ClientCertificateCredential sends), or one from the federated issuer
// (a Kubernetes service account token, as WorkloadIdentityCredential sends).
func (s *Server) verifyAssertion(assertion, clientID string) error {
	parts := splitJWT(assertion)
	if parts == nil {
		return errBadAssertion
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	var claims assertionClaims
	for i, v := range []any{&hdr, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return errBadAssertion
		}
		if err := json.Unmarshal(b, v); err != nil {
			return errBadAssertion
		}
	}
	if claims.Exp != 0 && time.Unix(claims.Exp, 0).Before(time.Now().Add(-5*time.Minute)) {
		return fmt.Errorf("assertion expired")
	}
	if fc := s.opts.FederatedCredential; fc != nil && claims.Iss == fc.Issuer {
		if claims.Sub != fc.Subject {
			return fmt.Errorf("AADSTS70021: No matching federated identity record found for presented assertion subject %q", claims.Sub)
		}
		if !slices.Contains(claims.audiences(), fc.Audience) {
			return fmt.Errorf("AADSTS700212: No matching federated identity record found for presented assertion audience")
		}
		return verifySignature(fc.Key, hdr.Alg, parts)
	}
	if claims.Iss != clientID || claims.Sub != clientID {
		return fmt.Errorf("iss/sub %q does not match client_id", claims.Iss)
	}
	if cert := s.opts.ClientCertificate; cert != nil {
		return verifySignature(cert.PublicKey, hdr.Alg, parts)
	}
	return nil
}

func splitJWT(s string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	parts = append(parts, s[start:])
	if len(parts) != 3 {
		return nil
	}
	return parts
}

func verifySignature(key crypto.PublicKey, alg string, parts []string) error {
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return errBadAssertion
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch pub := key.(type) {
	case *rsa.PublicKey:
		switch alg {
		case "RS256":
			return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
		case "PS256":
			return rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		}
	case *ecdsa.PublicKey:
		if alg == "ES256" && len(sig) == 64 {
			r, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
			if ecdsa.Verify(pub, digest[:], r, ss) {
				return nil
			}
			return fmt.Errorf("bad signature")
		}
	}
	return fmt.Errorf("unsupported alg %q", alg)
}
