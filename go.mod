module github.com/smartcommunities/hub

go 1.26
