package feeds_test

import (
	"testing"

	"github.com/smartcommunities/hub/hubtest"
)

func TestMain(m *testing.M) { hubtest.Main(m) }
