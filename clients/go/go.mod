module github.com/neurogate/neurogate/clients/go

go 1.19
