"""The context keys a set of policies uses, for GetContextKeysForCustomPolicy / ForPrincipalPolicy.

AWS lists the keys named in Condition elements and the keys referenced by policy variables
(``${aws:username}``) in Resource elements and condition values.
"""

from __future__ import annotations

from collections.abc import Iterable

from credo.policy.document import Policy


def context_keys_of(policies: Iterable[Policy]) -> list[str]:
    """Condition keys and ``${...}`` variable keys the policies use, deduplicated, sorted."""
    found: dict[str, str] = {}
    for policy in policies:
        for st in policy.statements:
            for cond in st.conditions:
                found.setdefault(cond.key, cond.key_name)
                for lkey, name in cond.variable_keys:
                    found.setdefault(lkey, name)
            if st.resources is not None:
                for template in st.resources.templates:
                    for var in template.variables:
                        found.setdefault(var.key, var.name)
    return [found[k] for k in sorted(found)]
