module azure-grafana-keys-go

go 1.25

require (
	github.com/pulumi-azure-grafana-keys/pulumi-azure-grafana-keys/sdk/go v0.0.0-00010101000000-000000000000
	github.com/pulumi/pulumi/sdk/v3 v3.259.0
)

replace github.com/pulumi-azure-grafana-keys/pulumi-azure-grafana-keys/sdk/go => ./sdks/azure-grafana-keys
