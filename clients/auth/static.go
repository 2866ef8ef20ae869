// Package auth provides the credentials the clients sign requests with.
package auth

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// SimToken is the fixed token sent to the simulator (it accepts any
// non-empty token).
const SimToken = "harden365-simulator-token"

// Static is a TokenCredential that always returns the same token: for the
// simulator, never for a real tenant.
type Static string

// GetToken implements azcore.TokenCredential.
func (s Static) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}
