package publiccode

import (
	"context"

	"github.com/smartcommunities/hub/db"
)

func Files(path string) ([]string, error) { return nil, nil }

func ImportFiles(ctx context.Context, d *db.DB, files []string, dryRun bool, progress func(done, total int)) (*db.ImportReport, error) {
	return nil, nil
}
