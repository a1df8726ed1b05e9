module example.com/tfy-go

go 1.19
