// Package auth provides the credentials the clients sign requests with.
package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// SimToken is the fixed token sent to the simulator (it accepts any
// non-empty token).
const SimToken = "harden365-simulator-token"

// Static is a TokenCredential that always returns the same token: for the
// simulator, never for a real tenant. It cannot renew a refused token.
type Static string

// GetToken implements azcore.TokenCredential.
func (s Static) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// Renewer is a credential that can replace a token a service refused
// while the credential still held it valid.
type Renewer interface {
	Renew(ctx context.Context, opts policy.TokenRequestOptions, refused string) (azcore.AccessToken, error)
}

// ErrNotRenewed: asked for a new token, the credential gave the refused
// one again.
var ErrNotRenewed = errors.New("signing in again gave the same token")

// Renew asks cred for a token to replace refused, the token a service
// just answered 401 to: a Renewer's Renew, or else GetToken again
// (azidentity's credentials replace a token that has expired by their
// clock, and otherwise return the one they hold, which gives
// ErrNotRenewed). Many requests refused at once share one renewal when
// cred is a Renewer.
func Renew(ctx context.Context, cred azcore.TokenCredential, opts policy.TokenRequestOptions, refused string) (azcore.AccessToken, error) {
	var (
		tok azcore.AccessToken
		err error
	)
	if r, ok := cred.(Renewer); ok {
		tok, err = r.Renew(ctx, opts, refused)
	} else {
		tok, err = cred.GetToken(ctx, opts)
	}
	if err != nil {
		return tok, Explain(err)
	}
	if tok.Token == "" || tok.Token == refused {
		return tok, ErrNotRenewed
	}
	return tok, nil
}

// SimCredential is the simulator's sign-in: per set of scopes it hands
// out "harden365-simulator-token-1", and after a service refuses that one
// (Renew) "harden365-simulator-token-2", and so on, so that the simulator
// can tell a renewed token from the one it expired.
type SimCredential struct {
	mu      sync.Mutex
	version map[string]int // scopes -> current version
}

// NewSimCredential returns a credential at version 1 for every scope.
func NewSimCredential() *SimCredential { return &SimCredential{version: map[string]int{}} }

func (c *SimCredential) token(key string) azcore.AccessToken {
	if c.version[key] == 0 {
		c.version[key] = 1
	}
	return azcore.AccessToken{Token: SimToken + "-" + strconv.Itoa(c.version[key]), ExpiresOn: time.Now().Add(time.Hour)}
}

// GetToken implements azcore.TokenCredential: the current token of the
// scopes.
func (c *SimCredential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token(strings.Join(opts.Scopes, " ")), nil
}

// Renew implements Renewer: the next version when refused is the current
// token, else the current one (another request renewed it already).
func (c *SimCredential) Renew(_ context.Context, opts policy.TokenRequestOptions, refused string) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := strings.Join(opts.Scopes, " ")
	if cur := c.token(key); cur.Token == refused {
		c.version[key]++
	}
	return c.token(key), nil
}
