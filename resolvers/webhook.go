package resolvers

import (
	"context"
	"fmt"
	"strconv"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/smartcommunities/hub/auth"
	"github.com/smartcommunities/hub/db"
)

// webhookOwner is the key under which the caller's endpoints are kept, and the owner to look endpoints
// up by: "" for admins, who manage every endpoint.
func webhookOwner(ctx context.Context) (key string, lookup string) {
	p := auth.From(ctx)
	switch {
	case p.Token != nil:
		key = "token:" + strconv.FormatInt(p.Token.ID, 10)
	case p.Subject != "":
		key = "oidc:" + p.Subject
	}
	if p.Role == db.RoleAdmin {
		return key, ""
	}
	return key, key
}

// webhookEndpointID decodes an endpoint's global ID; a malformed one, or one of another type, is a
// BAD_USER_INPUT error.
func webhookEndpointID(gid string) (int64, error) {
	typ, key, ok := db.ParseGlobalID(gid)
	id, err := strconv.ParseInt(key, 10, 64)
	if !ok || typ != "WebhookEndpoint" || err != nil || id <= 0 {
		return 0, &gqlerror.Error{Message: fmt.Sprintf("%q is not the ID of a WebhookEndpoint", gid),
			Extensions: map[string]any{"code": "BAD_USER_INPUT"}}
	}
	return id, nil
}

// callersEndpoint is the caller's endpoint gid, or a NOT_FOUND userError.
func (r *Resolver) callersEndpoint(ctx context.Context, gid string) (*db.WebhookEndpoint, []*db.UserError, error) {
	id, err := webhookEndpointID(gid)
	if err != nil {
		return nil, nil, err
	}
	_, owner := webhookOwner(ctx)
	ep, err := r.DB.WebhookEndpoint(ctx, id, owner)
	if err != nil || ep != nil {
		return ep, []*db.UserError{}, err
	}
	return nil, []*db.UserError{{Field: []string{"id"}, Message: "no webhook endpoint of yours has this ID", Code: db.UserErrorNotFound}}, nil
}
