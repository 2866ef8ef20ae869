package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

var graphOpts = policy.TokenRequestOptions{Scopes: []string{GraphScope}}

// The simulator's credential versions its tokens per scope and renews
// once however many requests were refused the same token at once.
func TestSimCredentialRenewsOnce(t *testing.T) {
	ctx := context.Background()
	c := NewSimCredential()
	first, _ := c.GetToken(ctx, graphOpts)
	if first.Token != SimToken+"-1" {
		t.Fatalf("first token %q", first.Token)
	}
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Go(func() {
			tok, err := Renew(ctx, c, graphOpts, first.Token)
			if err != nil {
				t.Error(err)
			}
			got[i] = tok.Token
		})
	}
	wg.Wait()
	for _, g := range got {
		if g != SimToken+"-2" {
			t.Errorf("renewed to %q, want every refused request to get version 2", got)
			break
		}
	}
	if exo, _ := c.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{ExchangeScope}}); exo.Token != SimToken+"-1" {
		t.Errorf("the Exchange scope's token moved with Graph's: %q", exo.Token)
	}
}

type sameToken struct{ calls int }

func (s *sameToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	s.calls++
	return azcore.AccessToken{Token: "held", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

type failing struct{}

func (failing) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, errors.New("AADSTS7000222: The provided client secret keys are expired.")
}

// A credential that is no Renewer is asked again: the same token back is
// ErrNotRenewed; a sign-in failure is explained.
func TestRenewOtherCredentials(t *testing.T) {
	ctx := context.Background()
	if _, err := Renew(ctx, Static("x"), graphOpts, "x"); !errors.Is(err, ErrNotRenewed) {
		t.Errorf("Static: %v", err)
	}
	s := &sameToken{}
	if _, err := Renew(ctx, s, graphOpts, "held"); !errors.Is(err, ErrNotRenewed) || s.calls != 1 {
		t.Errorf("held token: %v after %d calls", err, s.calls)
	}
	if tok, err := Renew(ctx, s, graphOpts, "older"); err != nil || tok.Token != "held" {
		t.Errorf("a token other than the refused one: %v %v", tok, err)
	}
	var se *SignInError
	if _, err := Renew(ctx, failing{}, graphOpts, "x"); !errors.As(err, &se) || se.Fix == "" {
		t.Errorf("failing sign-in: %v", err)
	}
}
