module github.com/acme/ping-exporter

go 1.23
