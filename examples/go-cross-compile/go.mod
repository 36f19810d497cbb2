module github.com/acme/xsvc

go 1.22
