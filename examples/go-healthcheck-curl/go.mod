module gateway

go 1.22
