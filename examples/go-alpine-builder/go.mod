module git.example.com/infra/relay

go 1.22
