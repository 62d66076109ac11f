"""The company's OpenID provider, behind `upskill.domain.signin.IdentityProvider`."""
