"""The eMSP role's OCPI 2.2.1 interfaces."""
