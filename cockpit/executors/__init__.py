"""Where commands run: this machine or an SSH builder, behind one seam."""
