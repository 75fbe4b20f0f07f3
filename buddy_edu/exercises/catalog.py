"""Every built-in question type, by kind: ``QUESTION_TYPES[kind](seed) -> Question``."""

from __future__ import annotations

from . import buddies, placement, sizes, state

QUESTION_TYPES = {
    "block_size": sizes.generate_block_size,
    "block_order": sizes.generate_block_order,
    "buddy_address": buddies.generate_buddy_address,
    "landing_address": placement.generate_landing_address,
    "free_blocks": state.generate_free_blocks,
    "split_count": placement.generate_split_count,
    "merge_count": buddies.generate_merge_count,
    "internal_fragmentation": state.generate_internal_fragmentation,
    "will_succeed": placement.generate_will_succeed,
    "merging_blocks": buddies.generate_merging_blocks,
    "buddyinfo": state.generate_buddyinfo,
    "policy_landing": placement.generate_policy_landing,
}

BUILDERS = {
    "block_size": sizes.block_size,
    "block_order": sizes.block_order,
    "buddy_address": buddies.buddy_address,
    "landing_address": placement.landing_address,
    "free_blocks": state.free_blocks_after,
    "split_count": placement.split_count,
    "merge_count": buddies.merge_count,
    "internal_fragmentation": state.internal_fragmentation,
    "will_succeed": placement.will_succeed,
    "merging_blocks": buddies.merging_blocks,
    "buddyinfo": state.buddyinfo,
    "policy_landing": placement.policy_landing,
}
