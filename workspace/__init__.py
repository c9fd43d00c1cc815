"""The user's own workspace aids: common opinions (常用意见) and batch approval (批量审批)."""
