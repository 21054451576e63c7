# oneclaw-vaultd: the local vault server.
